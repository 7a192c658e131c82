// Our decoder against OpenCV's VideoCapture and PyAV on a committed H.264 clip with B-frames
// (scripts/fixtures/video_decode.py).
import Foundation
import Testing
import VideoIO

private struct ReferenceInfo: Decodable {
    var codec: String
    var width: Int
    var height: Int
    var fps: Double
    var frame_count: Int
    var duration: Double
    var times: [Double]
}

@Suite struct ReferenceDecodeTests {
    private func clipPath() throws -> String {
        try #require(Bundle.module.url(forResource: "Fixtures/video_decode/clip", withExtension: "mp4")).path
    }

    private func reference() throws -> (info: ReferenceInfo, frames: [[UInt8]]) {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/video_decode", withExtension: nil))
        let info = try JSONDecoder().decode(ReferenceInfo.self, from: Data(contentsOf: directory.appendingPathComponent("info.json")))
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("frames_rgb.bin")))
        let size = info.width * info.height * 3
        return (info, (0 ..< bytes.count / size).map { Array(bytes[$0 * size ..< ($0 + 1) * size]) })
    }

    // Stream facts equal PyAV's.
    @Test func infoMatchesPyAV() throws {
        let (expected, _) = try reference()
        let info = try VideoInfo(contentsOf: clipPath())
        #expect(info.codec == expected.codec && info.width == expected.width && info.height == expected.height)
        #expect(info.frameCount == expected.frame_count)
        #expect(abs(info.fps - expected.fps) < 1e-9 && abs(info.duration - expected.duration) < 1e-9)
    }

    // Every frame is byte-identical to OpenCV's (same swscale conversion), with PyAV's timestamps.
    @Test func framesMatchOpenCV() throws {
        let (info, frames) = try reference()
        let decoded = try VideoDecoder(path: clipPath()).decodeAll()
        #expect(decoded.count == frames.count)
        for (ours, theirs) in zip(decoded, frames) { #expect(ours.pixels == theirs, "frame \(ours.index)") }
        #expect(zip(decoded.map(\.timestamp), info.times).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    // Seeking to timestamps across GOPs (keyframe every 5, B-frames) returns OpenCV's frame at each time.
    @Test func seekingMatchesOpenCV() throws {
        let (_, frames) = try reference()
        let times = [1.15, 0.0, 0.73, 0.5, 0.49, 0.25]
        let picked = try VideoDecoder(path: clipPath()).frames(atTimes: times, seekDistance: 0)
        for (time, frame) in zip(times, picked) {
            let index = Int((time * 10 + 1e-9).rounded(.down))
            #expect(frame.index == index && frame.pixels == frames[index], "t=\(time)")
        }
    }
}
