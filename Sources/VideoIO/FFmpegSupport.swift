// Shared FFmpeg plumbing: error text, quiet logging, owned frames/packets and the swscale converter.
import CFFmpeg
import CFFmpegShims

enum FFmpeg {
    static let endOfFile = vans_averror_eof()
    static let tryAgain = vans_averror_eagain()
    static let noTimestamp = vans_av_nopts_value()

    /// FFmpeg's text for an error code.
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        vans_error_string(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// FFmpeg logs corrupt-stream warnings straight to stderr; our typed errors carry the facts instead.
    /// Setting the level is an idempotent store, so calling it on every open is safe from any thread.
    static func silenceLogging() {
        vans_set_log_level(vans_log_level_fatal())
    }

    static func seconds(_ rational: AVRational) -> Double {
        rational.den == 0 ? 0 : Double(rational.num) / Double(rational.den)
    }
}

/// An `AVFrame` freed on deinit.
final class OwnedFrame {
    var pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc failed: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }
}

/// An `AVPacket` freed on deinit.
final class OwnedPacket {
    var pointer: UnsafeMutablePointer<AVPacket>

    init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc failed: out of memory") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }
}

/// A cached swscale context converting between pixel formats and sizes.
///
/// swscale's SIMD paths may read and write past the end of a row, so it only ever touches buffers from
/// `av_image_alloc` (aligned, padded); packed RGB is copied row by row between those and Swift arrays.
final class PixelConverter {
    private var context: OpaquePointer?
    private var staging: [UnsafeMutablePointer<UInt8>?] = [nil, nil, nil, nil]
    private var stagingStrides: [Int32] = [0, 0, 0, 0]
    private var stagingSize = (width: 0, height: 0)

    deinit {
        sws_freeContext(context)
        av_freep(&staging[0])
    }

    /// RGB → YUV for encoding: bit-exact rounding, so the C and every SIMD path of swscale give the same
    /// planes (by default its SIMD paths round differently from its C path), whatever the machine.
    static let encodingFlags = SWS_BICUBIC | SWS_BITEXACT | SWS_ACCURATE_RND

    static func flags(for filter: ScalingFilter) -> Int32 {
        switch filter {
        case .bilinear: return SWS_BILINEAR
        case .bicubic: return SWS_BICUBIC
        case .area: return SWS_AREA
        case .nearest: return SWS_POINT
        }
    }

    /// An aligned RGB24 buffer of the given size, reused while the size stays the same.
    private func stagingBuffer(width: Int, height: Int) -> Bool {
        if stagingSize == (width, height), staging[0] != nil { return true }
        av_freep(&staging[0])
        stagingSize = (0, 0)
        let allocated = staging.withUnsafeMutableBufferPointer { planes in
            stagingStrides.withUnsafeMutableBufferPointer { strides in
                av_image_alloc(planes.baseAddress, strides.baseAddress, Int32(width), Int32(height), AV_PIX_FMT_RGB24, 64)
            }
        }
        guard allocated >= 0 else { return false }
        // Zeroed once, so the row padding that swscale's SIMD readers may touch holds the same bytes on
        // every run (av_image_alloc leaves it uninitialised).
        staging[0]?.initialize(repeating: 0, count: Int(allocated))
        stagingSize = (width, height)
        return true
    }

    /// Converts a decoded frame into tightly packed RGB24 bytes of the given size.
    func rgb(from frame: UnsafePointer<AVFrame>, width: Int, height: Int, filter: ScalingFilter) -> [UInt8]? {
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(context, frame.pointee.width, frame.pointee.height, sourceFormat,
                                       Int32(width), Int32(height), AV_PIX_FMT_RGB24,
                                       Self.flags(for: filter), nil, nil, nil)
        guard let context, stagingBuffer(width: width, height: height), let buffer = staging[0] else { return nil }
        let planes = vans_frame_planes(frame)
        let sourcePlanes: [UnsafePointer<UInt8>?] = (0 ..< 4).map { UnsafePointer(planes?[$0]) }
        let rows = sws_scale(context, sourcePlanes, vans_frame_linesizes(frame), 0, frame.pointee.height,
                             staging, stagingStrides)
        guard rows == Int32(height) else { return nil }
        let rowBytes = width * 3
        let stride = Int(stagingStrides[0])
        return [UInt8](unsafeUninitializedCapacity: rowBytes * height) { output, count in
            for y in 0 ..< height {
                (output.baseAddress! + y * rowBytes).update(from: buffer + y * stride, count: rowBytes)
            }
            count = rowBytes * height
        }
    }

    /// Converts packed RGB24 bytes into the planes of `frame` (already allocated in its format and size).
    func fill(_ frame: UnsafeMutablePointer<AVFrame>, fromRGB pixels: [UInt8], width: Int, height: Int) -> Bool {
        let destinationFormat = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(context, Int32(width), Int32(height), AV_PIX_FMT_RGB24,
                                       frame.pointee.width, frame.pointee.height, destinationFormat,
                                       Self.encodingFlags, nil, nil, nil)
        guard let context, stagingBuffer(width: width, height: height), let buffer = staging[0] else { return false }
        let rowBytes = width * 3
        let stride = Int(stagingStrides[0])
        pixels.withUnsafeBufferPointer { source in
            for y in 0 ..< height {
                (buffer + y * stride).update(from: source.baseAddress! + y * rowBytes, count: rowBytes)
            }
        }
        let sourcePlanes: [UnsafePointer<UInt8>?] = staging.map { UnsafePointer($0) }
        let rows = sws_scale(context, sourcePlanes, stagingStrides, 0, Int32(height),
                             vans_frame_planes(frame), vans_frame_linesizes(frame))
        return rows > 0
    }
}
