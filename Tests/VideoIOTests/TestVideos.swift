// Helpers that synthesise test videos and scratch directories at test time.
import Foundation
import TestSupport
import VideoIO

enum TestVideos {
    /// A fresh scratch directory under the system temporary directory.
    static func scratchDirectory() throws -> URL {
        let url = ScratchDirectory.root
            .appendingPathComponent("videoio-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A smooth moving gradient with a frame-number-dependent square, so frames differ and compress well.
    static func frame(_ index: Int, width: Int, height: Int) -> VideoFrame {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let squareX = (index * 3) % max(1, width - 8)
        for y in 0 ..< height {
            for x in 0 ..< width {
                let offset = (y * width + x) * 3
                let inSquare = x >= squareX && x < squareX + 8 && y >= 4 && y < 12
                pixels[offset] = inSquare ? 240 : UInt8((x * 255) / max(1, width - 1))
                pixels[offset + 1] = inSquare ? 30 : UInt8((y * 255) / max(1, height - 1))
                pixels[offset + 2] = UInt8((index * 9) % 256)
            }
        }
        return VideoFrame(width: width, height: height, pixels: pixels)
    }

    /// Writes `count` synthetic frames as an H.264 MP4 and returns its path.
    static func makeMP4(in directory: URL, name: String = "clip.mp4", count: Int, width: Int = 64, height: Int = 48,
                        fps: Double = 8, keyframeInterval: Int? = nil) throws -> String {
        let path = directory.appendingPathComponent(name).path
        let frames = (0 ..< count).map { frame($0, width: width, height: height) }
        try VideoWriter.write(frames, to: path, fps: fps,
                              options: VideoEncodingOptions(crf: 10, preset: "ultrafast", keyframeInterval: keyframeInterval))
        return path
    }

    /// Mean absolute difference of two equally sized frames, in 8-bit levels.
    static func meanAbsoluteDifference(_ a: VideoFrame, _ b: VideoFrame) -> Double {
        precondition(a.pixels.count == b.pixels.count)
        var total = 0
        for i in a.pixels.indices { total += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
        return Double(total) / Double(a.pixels.count)
    }

    /// A minimal AVI whose video stream uses the unknown FourCC `ZZZZ`, so no decoder exists for it.
    static func unknownCodecAVI() -> Data {
        func chunk(_ id: String, _ body: Data) -> Data {
            var data = Data(id.utf8)
            data.append(littleEndian32(UInt32(body.count)))
            data.append(body)
            if body.count % 2 == 1 { data.append(0) }
            return data
        }
        func list(_ type: String, _ body: Data) -> Data { chunk("LIST", Data(type.utf8) + body) }
        func words(_ values: [UInt32]) -> Data { values.reduce(into: Data()) { $0.append(littleEndian32($1)) } }
        let mainHeader = chunk("avih", words([125_000, 0, 0, 0x10, 4, 0, 1, 0, 16, 16, 0, 0, 0, 0]))
        var streamHeader = Data("vidsZZZZ".utf8)
        streamHeader.append(words([0, 0, 0, 1, 8, 0, 4, 0, 0xFFFF_FFFF, 0, 0, 0]))
        let format = words([40, 16, 16]) + Data([1, 0, 24, 0]) + Data("ZZZZ".utf8) + words([768, 0, 0, 0, 0])
        let streamList = list("strl", chunk("strh", streamHeader) + chunk("strf", format))
        let movie = list("movi", (0 ..< 4).reduce(into: Data()) { data, _ in data.append(chunk("00dc", Data(repeating: 7, count: 64))) })
        return chunk("RIFF", Data("AVI ".utf8) + list("hdrl", mainHeader + streamList) + movie)
    }

    /// A short 16-bit mono PCM WAV file: a real media file with no video stream.
    static func silentWAV() -> Data {
        let samples = Data(repeating: 0, count: 1600)
        var body = Data("WAVE".utf8)
        body.append(Data("fmt ".utf8) + littleEndian32(16))
        body.append(Data([1, 0, 1, 0]) + littleEndian32(8000) + littleEndian32(16000) + Data([2, 0, 16, 0]))
        body.append(Data("data".utf8) + littleEndian32(UInt32(samples.count)) + samples)
        return Data("RIFF".utf8) + littleEndian32(UInt32(body.count)) + body
    }

    private static func littleEndian32(_ value: UInt32) -> Data {
        withUnsafeBytes(of: value.littleEndian) { Data($0) }
    }
}
