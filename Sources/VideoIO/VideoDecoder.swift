// Decoding a file's best video stream to RGB24 frames (read → send_packet → receive_frame, drained at EOF).
import CFFmpeg
import CFFmpegShims

/// Decodes the best video stream of a file to RGB24 ``VideoFrame``s.
///
/// Not thread-safe (it owns FFmpeg state): use one decoder per worker. Typical use:
/// ```swift
/// let decoder = try VideoDecoder(path: "clip.mp4")
/// let frames = try decoder.decodeAll(width: 320, height: 180)
/// ```
/// Packets the codec rejects are skipped, as the `ffmpeg` command line does; a file that yields no
/// frame at all, or whose reading fails with an I/O error, throws ``VideoIOError``.
public final class VideoDecoder {
    /// The file being decoded.
    public let path: String
    /// The stream facts read at open time.
    public let info: VideoInfo

    private let container: MediaContainer
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let packet = OwnedPacket()
    private let converter = PixelConverter()
    private let timeBase: Double
    private let startTimestamp: Int64
    private var draining = false
    private var finished = false
    private var packetPending = false
    private var nextIndex = 0
    private var lastSeconds = -Double.infinity
    /// A decoded frame already pulled from the codec but past the last requested timestamp.
    private var lookahead: DecodedFrame?
    /// The latest decoded frame at or before the last requested timestamp.
    private var current: DecodedFrame?

    /// Opens `path` and prepares its best video stream's decoder.
    /// - Throws: ``VideoIOError`` for unreadable paths, non-media files, files without video and unsupported codecs.
    public init(path: String) throws(VideoIOError) {
        self.path = path
        container = try MediaContainer(path: path)
        info = try container.describe()
        let stream = container.stream.pointee
        timeBase = FFmpeg.seconds(stream.time_base)
        startTimestamp = stream.start_time == FFmpeg.noTimestamp ? 0 : stream.start_time
        guard let decoder = avcodec_find_decoder(stream.codecpar.pointee.codec_id) else {
            throw .unsupportedCodec(path: path, codec: info.codec)
        }
        codec = avcodec_alloc_context3(decoder)
        guard codec != nil, avcodec_parameters_to_context(codec, stream.codecpar) >= 0 else {
            avcodec_free_context(&codec)
            throw .unsupportedCodec(path: path, codec: info.codec)
        }
        codec!.pointee.thread_count = 0
        codec!.pointee.pkt_timebase = stream.time_base
        let opened = avcodec_open2(codec, decoder, nil)
        guard opened >= 0 else {
            avcodec_free_context(&codec)
            throw .unsupportedCodec(path: path, codec: "\(info.codec) (\(FFmpeg.describe(opened)))")
        }
    }

    deinit { avcodec_free_context(&codec) }

    // MARK: - Whole-file decoding

    /// Decodes every frame in display order and calls `body` with each, converted to RGB24 at
    /// `width`×`height` (the stream's size when `nil`). Return `false` from `body` to stop early.
    ///
    /// Starts from the beginning of the file only on a freshly opened decoder.
    public func forEachFrame(width: Int? = nil, height: Int? = nil, filter: ScalingFilter = .bilinear,
                             _ body: (VideoFrame) throws -> Bool) throws {
        let size = try outputSize(width: width, height: height)
        var produced = 0
        while let decoded = try nextDecodedFrame() {
            produced += 1
            if try !body(try convert(decoded, size: size, filter: filter)) { return }
        }
        if produced == 0 && nextIndex == 0 { throw VideoIOError.noFrames(path: path) }
    }

    /// Decodes every frame of the file in display order at `width`×`height` (the stream's size when `nil`).
    public func decodeAll(width: Int? = nil, height: Int? = nil,
                          filter: ScalingFilter = .bilinear) throws(VideoIOError) -> [VideoFrame] {
        let size = try outputSize(width: width, height: height)
        var frames: [VideoFrame] = []
        while let decoded = try nextDecodedFrame() {
            frames.append(try convert(decoded, size: size, filter: filter))
        }
        guard !frames.isEmpty else { throw .noFrames(path: path) }
        return frames
    }

    /// Decodes the whole file once and keeps the frames whose display-order index is in `indices`,
    /// returned in the order of `indices` (repeats allowed). Indices past the last frame throw.
    public func frames(atIndices indices: [Int], width: Int? = nil, height: Int? = nil,
                       filter: ScalingFilter = .bilinear) throws(VideoIOError) -> [VideoFrame] {
        let size = try outputSize(width: width, height: height)
        guard indices.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArgument(path: path, reason: "frame indices must be non-negative")
        }
        let wanted = Set(indices)
        let last = indices.max() ?? -1
        var kept: [Int: VideoFrame] = [:]
        var decodedCount = 0
        while kept.count < wanted.count, let decoded = try nextDecodedFrame() {
            decodedCount += 1
            if wanted.contains(decoded.index) { kept[decoded.index] = try convert(decoded, size: size, filter: filter) }
        }
        guard decodedCount > 0 || kept.count == wanted.count else { throw .noFrames(path: path) }
        guard kept.count == wanted.count else {
            throw .invalidArgument(path: path, reason: "frame index \(last) is past the last frame (\(decodedCount) decoded)")
        }
        return indices.map { kept[$0]! }
    }

    // MARK: - Timestamp access

    /// Returns, for each time (seconds from the stream start), the frame on screen at that time: the last frame
    /// whose timestamp is ≤ t (the first frame for t before it, the last frame for t past the end).
    ///
    /// Seeks to the keyframe before each time that is behind the decoder or more than `seekDistance` seconds
    /// ahead of it, then decodes forward; nearby times are reached by decoding forward only. After a seek,
    /// `VideoFrame.index` is estimated as `round(timestamp · fps)`.
    public func frames(atTimes times: [Double], width: Int? = nil, height: Int? = nil,
                       filter: ScalingFilter = .bilinear, seekDistance: Double = 1.0) throws(VideoIOError) -> [VideoFrame] {
        let size = try outputSize(width: width, height: height)
        guard times.allSatisfy({ $0.isFinite }) else {
            throw .invalidArgument(path: path, reason: "timestamps must be finite numbers")
        }
        var results = [VideoFrame?](repeating: nil, count: times.count)
        for position in times.indices.sorted(by: { times[$0] < times[$1] }) {
            let chosen = try decodedFrame(at: times[position], seekDistance: seekDistance)
            results[position] = try convert(chosen, size: size, filter: filter)
        }
        return results.map { $0! }
    }

    private func decodedFrame(at target: Double, seekDistance: Double) throws(VideoIOError) -> DecodedFrame {
        let tolerance = 1e-6
        let reference = lookahead?.seconds ?? current?.seconds ?? lastSeconds
        if let current, target < current.seconds - tolerance {
            try seek(to: target)
        } else if target > max(reference, 0) + seekDistance {
            try seek(to: target)
        }
        while true {
            let next: DecodedFrame?
            if let pending = lookahead { next = pending; lookahead = nil } else { next = try nextDecodedFrame() }
            guard let next else {
                if let current { return current }
                throw VideoIOError.noFrames(path: path)
            }
            if next.seconds <= target + tolerance {
                current = next
                continue
            }
            lookahead = next
            if let current { return current }
            return next
        }
    }

    private func seek(to seconds: Double) throws(VideoIOError) {
        let target = startTimestamp + Int64((max(seconds, 0) / timeBase).rounded(.down))
        let sought = av_seek_frame(container.format, container.streamIndex, target, AVSEEK_FLAG_BACKWARD)
        guard sought >= 0 else {
            throw .decodeFailed(path: path, reason: "seek to \(seconds) s failed: \(FFmpeg.describe(sought))")
        }
        avcodec_flush_buffers(codec)
        draining = false
        finished = false
        packetPending = false
        av_packet_unref(packet.pointer)
        current = nil
        lookahead = nil
        nextIndex = -1
        lastSeconds = -Double.infinity
    }

    // MARK: - The decode loop

    /// One frame pulled from the codec, with its time and display-order index.
    private final class DecodedFrame {
        let frame = OwnedFrame()
        var seconds = 0.0
        var index = 0
    }

    private func outputSize(width: Int?, height: Int?) throws(VideoIOError) -> (width: Int, height: Int) {
        let size = (width: width ?? info.width, height: height ?? info.height)
        guard (1 ... 16384).contains(size.width), (1 ... 16384).contains(size.height) else {
            throw .invalidArgument(path: path, reason: "output size \(size.width)×\(size.height) is outside 1…16384")
        }
        return size
    }

    private func convert(_ decoded: DecodedFrame, size: (width: Int, height: Int),
                         filter: ScalingFilter) throws(VideoIOError) -> VideoFrame {
        guard let pixels = converter.rgb(from: decoded.frame.pointer, width: size.width, height: size.height, filter: filter) else {
            throw .decodeFailed(path: path, reason: "cannot convert frame \(decoded.index) to RGB24")
        }
        return VideoFrame(width: size.width, height: size.height, pixels: pixels,
                          timestamp: decoded.seconds, index: decoded.index)
    }

    /// Pulls the next frame in display order, or `nil` after the last one.
    private func nextDecodedFrame() throws(VideoIOError) -> DecodedFrame? {
        guard !finished else { return nil }
        let decoded = DecodedFrame()
        while true {
            let received = avcodec_receive_frame(codec, decoded.frame.pointer)
            if received == 0 {
                stamp(decoded)
                return decoded
            }
            if received == FFmpeg.endOfFile {
                finished = true
                return nil
            }
            if received != FFmpeg.tryAgain {
                // A corrupt picture: skip it as the ffmpeg CLI does; the codec keeps going.
                continue
            }
            if draining {
                finished = true
                return nil
            }
            try feedPacket()
        }
    }

    /// Sends the next video packet to the codec, or the drain signal at the end of the input.
    private func feedPacket() throws(VideoIOError) {
        if !packetPending {
            while true {
                let read = av_read_frame(container.format, packet.pointer)
                if read == FFmpeg.endOfFile {
                    avcodec_send_packet(codec, nil)
                    draining = true
                    return
                }
                if read < 0 {
                    throw .decodeFailed(path: path, reason: "reading the container failed: \(FFmpeg.describe(read))")
                }
                if packet.pointer.pointee.stream_index == container.streamIndex { break }
                av_packet_unref(packet.pointer)
            }
        }
        let sent = avcodec_send_packet(codec, packet.pointer)
        if sent == FFmpeg.tryAgain {
            packetPending = true  // the codec wants frames taken out first; resend after receiving
            return
        }
        packetPending = false
        av_packet_unref(packet.pointer)
        // Other send errors mean a corrupt packet; it is dropped and decoding continues.
    }

    private func stamp(_ decoded: DecodedFrame) {
        let timestamp = decoded.frame.pointer.pointee.best_effort_timestamp
        if timestamp != FFmpeg.noTimestamp {
            decoded.seconds = Double(timestamp - startTimestamp) * timeBase
        } else {
            let step = info.fps > 0 ? 1 / info.fps : 0
            decoded.seconds = lastSeconds.isFinite ? lastSeconds + step : 0
        }
        lastSeconds = decoded.seconds
        if nextIndex < 0 {
            nextIndex = info.fps > 0 ? Int((decoded.seconds * info.fps).rounded()) : 0
        }
        decoded.index = nextIndex
        nextIndex += 1
    }
}
