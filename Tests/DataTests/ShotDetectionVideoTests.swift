// Checks shot detection on real H.264 files (FFmpeg test sources, made by scripts/fixtures/shots.py)
// against PySceneDetect 0.7 run on the same files through its default OpenCV backend.
import Foundation
import TestSupport
import Testing
import VideoIO
@testable import Data

@Suite struct ShotDetectionVideoTests {
    let reference: ShotsReference

    init() throws { reference = try ShotsReference.load() }

    static func path(of file: String) throws -> String {
        let name = (file as NSString).deletingPathExtension
        return try #require(Bundle.module.url(forResource: name, withExtension: "mp4", subdirectory: "Fixtures/shots")).path
    }

    // Invariant: our decoder hands the detector the very BGR bytes OpenCV's VideoCapture gives
    // PySceneDetect, frame for frame; on them, cuts, scenes and every frame's content_val /
    // delta_hue / delta_sat / delta_lum / delta_edges (auto-downscaled as SceneManager does)
    // match PySceneDetect's stats within 1e-3.
    @Test func detectionMatchesPySceneDetect() throws {
        for video in reference.videos {
            let frames = try VideoDecoder(path: try Self.path(of: video.file)).decodeAll()
            try #require(frames.count == video.frames, "\(video.file)")
            for (index, frame) in frames.enumerated() {
                var bgr = frame.pixels
                for offset in stride(from: 0, to: bgr.count, by: 3) { bgr.swapAt(offset, offset + 2) }
                #expect(ShotsFrames.checksum(bgr) == video.frame_checksums[index], "\(video.file) frame \(index)")
            }
            var options = ShotDetectionOptions()
            options.computeEdges = true  // PySceneDetect computes edges whenever it collects stats
            let result = try ShotDetector.detect(try frames.map(PackedImage.init), framesPerSecond: video.fps, options: options)
            #expect(result.cuts == video.cuts, "\(video.file)")
            #expect(result.scenes(startInScene: false).map { [$0.startFrame, $0.endFrame] } == video.scenes)
            try #require(result.scores.count == video.stats.count)
            var worst = 0.0
            for (score, expected) in zip(result.scores, video.stats) {
                let ours = [score.contentValue, score.deltaHue, score.deltaSaturation, score.deltaLuminance, score.deltaEdges]
                for (a, b) in zip(ours, expected) { worst = max(worst, abs(a - b)) }
            }
            #expect(worst <= 1e-3, "\(video.file): largest stats difference \(worst)")
        }
    }

    // Invariant: detecting straight from the file reports the container's rate, the frame
    // count and the same cuts as PySceneDetect.
    @Test func detectionFromFile() throws {
        let video = try #require(reference.videos.first)
        let result = try ShotDetector.detect(videoAt: try Self.path(of: video.file))
        #expect(result.framesPerSecond == video.fps && result.frameCount == video.frames)
        #expect(result.cuts == video.cuts)
    }

    // Invariant: a file that is not a video gives a VideoIO error, not a crash.
    @Test func notAVideoThrows() throws {
        let url = ScratchDirectory.root.appendingPathComponent("shots-not-a-video-\(UUID().uuidString).mp4")
        try Data("this is not a video".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: VideoIOError.self) { try ShotDetector.detect(videoAt: url.path) }
    }
}
