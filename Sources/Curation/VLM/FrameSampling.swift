// Frames of a clip for an endpoint that takes images: evenly spaced, downscaled, PNG-encoded.
import Data
import Foundation
import VideoIO

enum FrameSampling {
    /// `count` frames evenly spaced over the clip, at most `maximumWidth` wide (even sizes), as PNG bytes.
    static func pngFrames(of clip: VLMClip, count: Int, maximumWidth: Int) throws -> [Data] {
        let decoder: VideoDecoder
        do { decoder = try VideoDecoder(path: clip.videoPath) } catch {
            throw CurationError.videoFailed(path: clip.videoPath, reason: "\(error)")
        }
        let info = decoder.info
        let scale = min(1, Double(maximumWidth) / Double(max(info.width, 1)))
        let width = max(2, Int((Double(info.width) * scale / 2).rounded()) * 2)
        let height = max(2, Int((Double(info.height) * scale / 2).rounded()) * 2)
        let span = max(clip.range.duration, 0)
        let times = (0..<max(count, 1)).map { index in
            clip.range.start + (count > 1 ? span * Double(index) / Double(count) : 0)
        }
        do {
            return try decoder.frames(atTimes: times, width: width, height: height).map { PNG.encode(rgb: $0.pixels, width: $0.width, height: $0.height) }
        } catch {
            throw CurationError.videoFailed(path: clip.videoPath, reason: "\(error)")
        }
    }
}

/// A minimal PNG writer (8-bit RGB, stored deflate blocks): no compression, no dependency.
enum PNG {
    static func encode(rgb pixels: [UInt8], width: Int, height: Int) -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for row in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(row * width * 3)..<((row + 1) * width * 3)])
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65535, raw.count - offset)
            let final: UInt8 = offset + length >= raw.count ? 1 : 0
            zlib += [final, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
            zlib += raw[offset..<(offset + length)]
            offset += length
        } while offset < raw.count
        zlib += bigEndian(adler32(raw))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0])
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        return Data(png)
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return (b << 16) | a
    }
}
