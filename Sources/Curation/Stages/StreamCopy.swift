// Cutting without re-encoding (libavformat remux, like `ffmpeg -ss -to -c copy`), used when the cut allows it:
// the stream has no frame reordering (no B-frames), the first frame of the cut is a keyframe, and every packet
// has a timestamp. The result is checked by decoding it; anything else falls back to re-encoding.
import CFFmpeg
import CFFmpegShims
import Foundation
import VideoIO

enum StreamCopy {
    /// Packets of the video stream in decode order.
    struct PacketInfo { var pts: Int64; var isKey: Bool }

    /// Copies frames `frames` of `path` into `destination` (MP4, atomically); false when the cut needs a re-encode.
    static func cut(_ path: String, frames: Range<Int>, to destination: URL) -> Bool {
        guard let packets = scan(path), frames.lowerBound >= 0, frames.upperBound <= packets.count, !frames.isEmpty else { return false }
        // Display order must equal decode order, or a copied range could need frames outside it.
        for index in packets.indices.dropFirst() where packets[index].pts <= packets[index - 1].pts { return false }
        guard packets[frames.lowerBound].isKey else { return false }
        let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard remux(path, frames: frames, startPTS: packets[frames.lowerBound].pts, to: temporary.path) else { return false }
        // Check the copy decodes to exactly the frames asked for.
        guard let decoder = try? VideoDecoder(path: temporary.path), let decoded = try? decoder.decodeAll(width: 16, height: 16),
              decoded.count == frames.count else { return false }
        do {
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            try FileManager.default.moveItem(at: temporary, to: destination)
        } catch {
            return false
        }
        return true
    }

    static func open(_ path: String) -> (UnsafeMutablePointer<AVFormatContext>, Int32)? {
        var context: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_open_input(&context, path, nil, nil) >= 0, let opened = context else { return nil }
        guard avformat_find_stream_info(opened, nil) >= 0 else { avformat_close_input(&context); return nil }
        let stream = av_find_best_stream(opened, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard stream >= 0 else { avformat_close_input(&context); return nil }
        return (opened, stream)
    }

    static func scan(_ path: String) -> [PacketInfo]? {
        guard let (context, stream) = open(path) else { return nil }
        var owned: UnsafeMutablePointer<AVFormatContext>? = context
        defer { avformat_close_input(&owned) }
        guard let packet = av_packet_alloc() else { return nil }
        defer { var freed: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&freed) }
        var packets: [PacketInfo] = []
        while av_read_frame(context, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == stream else { continue }
            guard packet.pointee.pts != vans_av_nopts_value() else { return nil }
            packets.append(PacketInfo(pts: packet.pointee.pts, isKey: packet.pointee.flags & AV_PKT_FLAG_KEY != 0))
        }
        return packets
    }

    static func remux(_ path: String, frames: Range<Int>, startPTS: Int64, to output: String) -> Bool {
        guard let (input, streamIndex) = open(path) else { return false }
        var ownedInput: UnsafeMutablePointer<AVFormatContext>? = input
        defer { avformat_close_input(&ownedInput) }
        var outputContext: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_alloc_output_context2(&outputContext, nil, "mp4", output) >= 0, let muxer = outputContext else { return false }
        defer {
            if muxer.pointee.pb != nil { avio_closep(&muxer.pointee.pb) }
            avformat_free_context(muxer)
        }
        guard let inputStream = input.pointee.streams[Int(streamIndex)], let outputStream = avformat_new_stream(muxer, nil),
              avcodec_parameters_copy(outputStream.pointee.codecpar, inputStream.pointee.codecpar) >= 0 else { return false }
        outputStream.pointee.codecpar.pointee.codec_tag = 0
        outputStream.pointee.time_base = inputStream.pointee.time_base
        outputStream.pointee.avg_frame_rate = inputStream.pointee.avg_frame_rate
        guard avio_open(&muxer.pointee.pb, output, AVIO_FLAG_WRITE) >= 0, avformat_write_header(muxer, nil) >= 0 else { return false }
        guard let packet = av_packet_alloc() else { return false }
        defer { var freed: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&freed) }
        var index = 0
        var failed = false
        while !failed, index < frames.upperBound, av_read_frame(input, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            defer { index += 1 }
            guard index >= frames.lowerBound else { continue }
            // No reordering: decode time equals presentation time, both from the cut's start.
            packet.pointee.pts -= startPTS
            packet.pointee.dts = packet.pointee.pts
            packet.pointee.pos = -1
            packet.pointee.stream_index = 0
            av_packet_rescale_ts(packet, inputStream.pointee.time_base, outputStream.pointee.time_base)
            if av_interleaved_write_frame(muxer, packet) < 0 { failed = true }
        }
        guard !failed, index >= frames.upperBound else { return false }
        return av_write_trailer(muxer) >= 0
    }
}
