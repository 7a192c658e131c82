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
final class PixelConverter {
    private var context: OpaquePointer?

    deinit { sws_freeContext(context) }

    static func flags(for filter: ScalingFilter) -> Int32 {
        switch filter {
        case .bilinear: return SWS_BILINEAR
        case .bicubic: return SWS_BICUBIC
        case .area: return SWS_AREA
        case .nearest: return SWS_POINT
        }
    }

    /// Converts a decoded frame into tightly packed RGB24 bytes of the given size.
    func rgb(from frame: UnsafePointer<AVFrame>, width: Int, height: Int, filter: ScalingFilter) -> [UInt8]? {
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(context, frame.pointee.width, frame.pointee.height, sourceFormat,
                                       Int32(width), Int32(height), AV_PIX_FMT_RGB24,
                                       Self.flags(for: filter), nil, nil, nil)
        guard let context else { return nil }
        var output = [UInt8](repeating: 0, count: width * height * 3)
        let rows = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var destination: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(width * 3), 0, 0, 0]
            let planes = vans_frame_planes(frame)
            let lineSizes = vans_frame_linesizes(frame)
            let sourcePlanes: [UnsafePointer<UInt8>?] = (0 ..< 4).map { UnsafePointer(planes?[$0]) }
            return sourcePlanes.withUnsafeBufferPointer { source in
                sws_scale(context, source.baseAddress, lineSizes, 0, frame.pointee.height, &destination, &strides)
            }
        }
        return rows == Int32(height) ? output : nil
    }

    /// Converts packed RGB24 bytes into the planes of `frame` (already allocated in its format and size).
    func fill(_ frame: UnsafeMutablePointer<AVFrame>, fromRGB pixels: [UInt8], width: Int, height: Int) -> Bool {
        let destinationFormat = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(context, Int32(width), Int32(height), AV_PIX_FMT_RGB24,
                                       frame.pointee.width, frame.pointee.height, destinationFormat,
                                       SWS_BICUBIC, nil, nil, nil)
        guard let context else { return false }
        let rows = pixels.withUnsafeBufferPointer { buffer -> Int32 in
            let source: [UnsafePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            let strides: [Int32] = [Int32(width * 3), 0, 0, 0]
            let planes = vans_frame_planes(frame)
            let lineSizes = vans_frame_linesizes(frame)
            return sws_scale(context, source, strides, 0, Int32(height), planes, lineSizes)
        }
        return rows > 0
    }
}
