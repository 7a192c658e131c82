// Cutting clips: stream copy when the cut starts on a keyframe of a stream without B-frames, re-encode otherwise;
// either way the clip holds exactly the requested frames.
import Curation
import Foundation
import Testing
import VideoIO

@Suite struct ClipCutterTests {
    // A keyframe-aligned cut of a B-frame-free stream is copied bit-exactly; an unaligned one is re-encoded with the right frame count.
    @Test func copiesWhenAlignedAndReencodesOtherwise() throws {
        let root = try scratchDirectory("cut")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("gop8.mp4")
        // x264's ultrafast preset uses no B-frames; a keyframe every 8 frames.
        try writeTestVideo(source, preset: "ultrafast", keyframeInterval: 8)
        let original = try VideoDecoder(path: source.path).decodeAll()
        let copied = try ClipCutter.cut(source.path, frames: 8..<40, to: root.appendingPathComponent("copy.mp4"))
        #expect(copied == ClipCutter.Cut(frames: 32, streamCopied: true))
        let copiedFrames = try VideoDecoder(path: root.appendingPathComponent("copy.mp4").path).decodeAll()
        #expect(copiedFrames.map(\.pixels) == original[8..<40].map(\.pixels))
        #expect(abs((copiedFrames.last?.timestamp ?? 0) - 31 / testFPS) < 1e-6)

        let unaligned = try ClipCutter.cut(source.path, frames: 5..<30, to: root.appendingPathComponent("enc.mp4"))
        #expect(unaligned == ClipCutter.Cut(frames: 25, streamCopied: false))
        #expect(try VideoDecoder(path: root.appendingPathComponent("enc.mp4").path).decodeAll().count == 25)

        // B-frames reorder display and decode order: never copied, even on a keyframe.
        let reordered = root.appendingPathComponent("bframes.mp4")
        try writeTestVideo(reordered, preset: "medium", keyframeInterval: 8)
        let cut = try ClipCutter.cut(reordered.path, frames: 8..<40, to: root.appendingPathComponent("b.mp4"))
        #expect(cut == ClipCutter.Cut(frames: 32, streamCopied: false))
    }

    // A range past the end is a typed error naming the video, not a crash.
    @Test func rangePastTheEndIsAnError() throws {
        let root = try scratchDirectory("cut-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("short.mp4")
        try writeTestVideo(source, shots: 1)
        #expect(throws: CurationError.self) { try ClipCutter.cut(source.path, frames: 20..<50, to: root.appendingPathComponent("x.mp4")) }
    }
}
