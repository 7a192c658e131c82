// Encoding RGB24 frames to an H.264 (libx264, yuv420p) MP4, written to a temporary file and renamed into place.
import CFFmpeg
import CFFmpegShims
import Foundation

/// Encoder choices. The defaults give a browser-playable H.264 MP4.
public struct VideoEncodingOptions: Sendable, Equatable {
    /// libx264 constant rate factor, 0 (lossless) … 51; Wan's writer uses 10, x264's default is 23.
    public var crf: Int
    /// libx264 preset (`ultrafast` … `veryslow`); faster presets give larger files.
    public var preset: String
    /// Encoder threads; 0 lets libx264 choose.
    public var threads: Int
    /// Maximum distance between keyframes in frames; `nil` keeps libx264's default (250).
    public var keyframeInterval: Int?

    /// Creates options; the defaults are crf 18, preset `medium`, automatic threads, default keyframe interval.
    public init(crf: Int = 18, preset: String = "medium", threads: Int = 0, keyframeInterval: Int? = nil) {
        self.crf = crf
        self.preset = preset
        self.threads = threads
        self.keyframeInterval = keyframeInterval
    }
}

/// Streams RGB24 frames into an MP4 file (H.264 yuv420p, `+faststart`), falling back to MPEG-4 Part 2
/// only if this FFmpeg build lacks libx264.
///
/// Frames go to a hidden temporary file in the destination's directory; ``finish()`` renames it over
/// the destination, so a failure or an abandoned encoder never leaves a partial file there.
/// Odd frame sizes are scaled up by one pixel to the even size yuv420p needs. Not thread-safe.
/// ```swift
/// let encoder = try VideoEncoder(path: "out.mp4", width: 64, height: 64, fps: 8)
/// for frame in frames { try encoder.append(frame) }
/// try encoder.finish()
/// ```
public final class VideoEncoder {
    /// The destination path.
    public let path: String
    /// The input frame size; every appended frame must have it.
    public let width: Int
    /// The input frame height.
    public let height: Int
    /// The frame rate written to the file.
    public let fps: Double

    private let temporaryPath: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let picture = OwnedFrame()
    private let packet = OwnedPacket()
    private let converter = PixelConverter()
    private var frameCount: Int64 = 0
    private var state = State.open

    private enum State { case open, finished, failed }

    /// Opens the encoder and the temporary output file.
    /// - Throws: ``VideoIOError/invalidArgument(path:reason:)`` for a bad size or fps,
    ///   ``VideoIOError/encodeFailed(path:reason:)`` when the directory is not writable or FFmpeg refuses.
    public init(path: String, width: Int, height: Int, fps: Double,
                options: VideoEncodingOptions = VideoEncodingOptions()) throws(VideoIOError) {
        guard (1 ... 16384).contains(width), (1 ... 16384).contains(height) else {
            throw .invalidArgument(path: path, reason: "frame size \(width)×\(height) is outside 1…16384")
        }
        guard fps.isFinite, fps > 0, fps <= 1000 else {
            throw .invalidArgument(path: path, reason: "fps \(fps) is not in (0, 1000]")
        }
        guard (0 ... 51).contains(options.crf) else {
            throw .invalidArgument(path: path, reason: "crf \(options.crf) is outside 0…51")
        }
        guard options.keyframeInterval.map({ $0 >= 1 }) ?? true, options.threads >= 0 else {
            throw .invalidArgument(path: path, reason: "keyframe interval must be ≥ 1 and threads ≥ 0")
        }
        self.path = path
        self.width = width
        self.height = height
        self.fps = fps
        FFmpeg.silenceLogging()
        let destination = URL(fileURLWithPath: path)
        let directory = destination.deletingLastPathComponent().path
        let suffix = destination.pathExtension.isEmpty ? "mp4" : destination.pathExtension
        temporaryPath = directory + "/.\(destination.deletingPathExtension().lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max)).\(suffix)"

        let guessed = av_guess_format(nil, path, nil)
        var context: UnsafeMutablePointer<AVFormatContext>?
        let allocated = guessed != nil
            ? avformat_alloc_output_context2(&context, guessed, nil, temporaryPath)
            : avformat_alloc_output_context2(&context, nil, "mp4", temporaryPath)
        guard allocated >= 0, let context else {
            throw .encodeFailed(path: path, reason: "no muxer for this file name: \(FFmpeg.describe(allocated))")
        }
        format = context
        guard let encoder = avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4),
              let newStream = avformat_new_stream(context, nil) else {
            avformat_free_context(context)
            throw .encodeFailed(path: path, reason: "neither libx264 nor mpeg4 encoders are available")
        }
        stream = newStream
        codec = avcodec_alloc_context3(encoder)
        let rate = av_d2q(fps, 100_000)
        do throws(VideoIOError) {
            guard let codec else { throw .encodeFailed(path: path, reason: "cannot allocate the encoder") }
            codec.pointee.width = Int32(width + width % 2)
            codec.pointee.height = Int32(height + height % 2)
            codec.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            codec.pointee.time_base = av_inv_q(rate)
            codec.pointee.framerate = rate
            codec.pointee.thread_count = Int32(options.threads)
            if let interval = options.keyframeInterval { codec.pointee.gop_size = Int32(interval) }
            // sws converts RGB with BT.601 limited-range coefficients; say so in the stream so players agree.
            codec.pointee.colorspace = AVCOL_SPC_SMPTE170M
            codec.pointee.color_primaries = AVCOL_PRI_SMPTE170M
            codec.pointee.color_trc = AVCOL_TRC_SMPTE170M
            codec.pointee.color_range = AVCOL_RANGE_MPEG
            if String(cString: encoder.pointee.name) == "libx264" {
                av_opt_set(codec.pointee.priv_data, "crf", String(options.crf), 0)
                av_opt_set(codec.pointee.priv_data, "preset", options.preset, 0)
                // Pinned so that the same frames give the same bytes on every run and machine (see the shim).
                if let level = vans_x264_reproducible_asm() {
                    av_opt_set(codec.pointee.priv_data, "x264-params", "asm=\(String(cString: level))", 0)
                }
            } else {
                codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
                codec.pointee.global_quality = 2 * 118  // FF_QP2LAMBDA · qscale 2
            }
            if context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
                codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
            }
            let opened = avcodec_open2(codec, encoder, nil)
            guard opened >= 0 else {
                throw .encodeFailed(path: path, reason: "cannot open the encoder (preset '\(options.preset)'?): \(FFmpeg.describe(opened))")
            }
            stream.pointee.time_base = codec.pointee.time_base
            stream.pointee.avg_frame_rate = rate
            guard avcodec_parameters_from_context(stream.pointee.codecpar, codec) >= 0 else {
                throw .encodeFailed(path: path, reason: "cannot copy encoder parameters to the stream")
            }
            let ioOpened = avio_open(&context.pointee.pb, temporaryPath, AVIO_FLAG_WRITE)
            guard ioOpened >= 0 else {
                throw .encodeFailed(path: path, reason: "cannot create a file in \(directory): \(FFmpeg.describe(ioOpened))")
            }
            var muxerOptions: OpaquePointer?
            av_dict_set(&muxerOptions, "movflags", "+faststart", 0)
            let header = avformat_write_header(context, &muxerOptions)
            av_dict_free(&muxerOptions)
            guard header >= 0 else {
                throw .encodeFailed(path: path, reason: "cannot write the container header: \(FFmpeg.describe(header))")
            }
            picture.pointer.pointee.format = codec.pointee.pix_fmt.rawValue
            picture.pointer.pointee.width = codec.pointee.width
            picture.pointer.pointee.height = codec.pointee.height
            guard av_frame_get_buffer(picture.pointer, 0) >= 0 else {
                throw .encodeFailed(path: path, reason: "cannot allocate a picture buffer")
            }
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if state == .open { abandon() }
        avcodec_free_context(&codec)
    }

    /// Appends one frame; `frame.width`/`height` must match the encoder's, timestamps are ignored
    /// (frame i is shown at i / fps).
    public func append(_ frame: VideoFrame) throws(VideoIOError) {
        guard frame.width == width, frame.height == height else {
            throw .invalidArgument(path: path, reason: "frame is \(frame.width)×\(frame.height), encoder expects \(width)×\(height)")
        }
        try append(pixels: frame.pixels)
    }

    /// Appends one frame given as packed RGB24 bytes (`height · width · 3`, row-major HWC).
    public func append(pixels: [UInt8]) throws(VideoIOError) {
        guard state == .open else { throw .encodeFailed(path: path, reason: "the encoder is already finished or failed") }
        guard pixels.count == width * height * 3 else {
            throw .invalidArgument(path: path, reason: "frame has \(pixels.count) bytes, expected \(width * height * 3)")
        }
        guard av_frame_make_writable(picture.pointer) >= 0,
              converter.fill(picture.pointer, fromRGB: pixels, width: width, height: height) else {
            abandon()
            throw .encodeFailed(path: path, reason: "cannot convert frame \(frameCount) to yuv420p")
        }
        picture.pointer.pointee.pts = frameCount
        frameCount += 1
        try send(picture.pointer)
    }

    /// Flushes the encoder, writes the trailer and renames the temporary file over ``path``.
    public func finish() throws(VideoIOError) {
        guard state == .open else { throw .encodeFailed(path: path, reason: "the encoder is already finished or failed") }
        guard frameCount > 0 else {
            abandon()
            throw .invalidArgument(path: path, reason: "no frames were appended")
        }
        try send(nil)
        let trailer = av_write_trailer(format)
        avio_closep(&format!.pointee.pb)
        guard trailer >= 0 else {
            abandon()
            throw .encodeFailed(path: path, reason: "cannot write the container trailer: \(FFmpeg.describe(trailer))")
        }
        if let handle = FileHandle(forUpdatingAtPath: temporaryPath) {
            try? handle.synchronize()
            try? handle.close()
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw .encodeFailed(path: path, reason: "cannot move the finished file into place: \(reason)")
        }
        avformat_free_context(format)
        format = nil
        state = .finished
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws(VideoIOError) {
        let sent = avcodec_send_frame(codec, frame)
        guard sent >= 0 else {
            abandon()
            throw .encodeFailed(path: path, reason: "the encoder rejected a frame: \(FFmpeg.describe(sent))")
        }
        while true {
            let received = avcodec_receive_packet(codec, packet.pointer)
            if received == FFmpeg.tryAgain || received == FFmpeg.endOfFile { return }
            guard received >= 0 else {
                abandon()
                throw .encodeFailed(path: path, reason: "encoding failed: \(FFmpeg.describe(received))")
            }
            av_packet_rescale_ts(packet.pointer, codec!.pointee.time_base, stream.pointee.time_base)
            packet.pointer.pointee.stream_index = stream.pointee.index
            let written = av_interleaved_write_frame(format, packet.pointer)
            av_packet_unref(packet.pointer)
            guard written >= 0 else {
                abandon()
                throw .encodeFailed(path: path, reason: "writing a packet failed: \(FFmpeg.describe(written))")
            }
        }
    }

    /// Closes everything and deletes the temporary file; the destination is never touched.
    private func abandon() {
        state = .failed
        if let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
            self.format = nil
        }
        unlink(temporaryPath)
    }
}

/// One-call helpers for writing whole clips.
public enum VideoWriter {
    /// Encodes `frames` (all the same size) to an H.264 MP4 at `fps`, atomically replacing `path`.
    public static func write(_ frames: [VideoFrame], to path: String, fps: Double,
                             options: VideoEncodingOptions = VideoEncodingOptions()) throws(VideoIOError) {
        guard let first = frames.first else { throw .invalidArgument(path: path, reason: "no frames to write") }
        let encoder = try VideoEncoder(path: path, width: first.width, height: first.height, fps: fps, options: options)
        for frame in frames { try encoder.append(frame) }
        try encoder.finish()
    }
}
