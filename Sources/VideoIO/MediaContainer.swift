// Opening an input container and locating its video stream (avformat_open_input → find_stream_info → best stream).
import CFFmpeg
import CFFmpegShims
import Foundation
import Support

/// An opened input container with its best video stream; closes the container on deinit.
final class MediaContainer {
    let path: String
    var format: UnsafeMutablePointer<AVFormatContext>?
    let streamIndex: Int32

    init(path: String) throws(VideoIOError) {
        self.path = path
        try Self.checkReadable(path)
        FFmpeg.silenceLogging()
        var context: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&context, path, nil, nil)
        guard opened >= 0, context != nil else {
            throw .cannotOpen(path: path, reason: FFmpeg.describe(opened))
        }
        format = context
        let probed = avformat_find_stream_info(context, nil)
        guard probed >= 0 else {
            avformat_close_input(&format)
            throw .cannotOpen(path: path, reason: FFmpeg.describe(probed))
        }
        let best = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard best >= 0 else {
            avformat_close_input(&format)
            throw .noVideoStream(path: path)
        }
        streamIndex = best
        let parameters = stream.pointee.codecpar.pointee
        guard parameters.width > 0, parameters.height > 0 else {
            avformat_close_input(&format)
            throw .cannotOpen(path: path, reason: "the video stream has no picture size (corrupt header)")
        }
    }

    deinit { avformat_close_input(&format) }

    var stream: UnsafeMutablePointer<AVStream> {
        format!.pointee.streams[Int(streamIndex)]!
    }

    /// Rejects missing, unreadable and non-regular paths before FFmpeg sees them (a FIFO would block forever).
    static func checkReadable(_ path: String) throws(VideoIOError) {
        do { try UserFile.checkRegularFile(path) } catch { throw .unreadablePath(path: path, reason: error.reason) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadablePath(path: path, reason: "permission denied")
        }
    }

    /// Counts the video stream's packets (one per frame for every codec we meet) without decoding.
    func countPackets() -> Int {
        let packet = OwnedPacket()
        var count = 0
        while av_read_frame(format, packet.pointer) >= 0 {
            if packet.pointer.pointee.stream_index == streamIndex { count += 1 }
            av_packet_unref(packet.pointer)
        }
        return count
    }

    /// Stream facts; `frameCount` comes from the container or, when it stores none, a packet count on a second open.
    func describe() throws(VideoIOError) -> VideoInfo {
        let stream = self.stream.pointee
        let parameters = stream.codecpar.pointee
        let timeBase = FFmpeg.seconds(stream.time_base)
        var duration = 0.0
        if stream.duration != FFmpeg.noTimestamp, stream.duration > 0 {
            duration = Double(stream.duration) * timeBase
        } else if let format, format.pointee.duration != FFmpeg.noTimestamp, format.pointee.duration > 0 {
            duration = Double(format.pointee.duration) / Double(vans_av_time_base())
        }
        var rate = stream.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.r_frame_rate }
        let fps = rate.num > 0 && rate.den > 0 ? FFmpeg.seconds(rate) : 0
        var frameCount = Int(stream.nb_frames)
        if frameCount <= 0 {
            frameCount = try MediaContainer(path: path).countPackets()
        }
        let codec = String(cString: avcodec_get_name(parameters.codec_id))
        return VideoInfo(path: path, duration: duration, fps: fps, width: Int(parameters.width),
                         height: Int(parameters.height), frameCount: frameCount, codec: codec)
    }
}

extension VideoInfo {
    /// Reads a file's video stream facts without decoding any frame.
    public init(contentsOf path: String) throws(VideoIOError) {
        self = try MediaContainer(path: path).describe()
    }
}
