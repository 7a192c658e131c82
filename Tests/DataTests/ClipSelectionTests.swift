// Checks the 3–5 s clip chooser and the visual-quality score.
import Foundation
import Testing
@testable import Data

@Suite struct ClipSelectionTests {
    /// A BGR frame of flat `level` with a checkerboard of `contrast` shifted by `offset` pixels.
    static func frame(level: Int, contrast: Int, offset: Int = 0, size: Int = 24) throws -> PackedImage {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let value = ((x + offset) / 2 + y / 2) % 2 == 0 ? level + contrast : level - contrast
                for channel in 0..<3 { pixels[(y * size + x) * 3 + channel] = UInt8(clamping: value) }
            }
        }
        return try PackedImage(width: size, height: size, order: .bgr, pixels: pixels)
    }

    // Invariant: every candidate lies inside the scene and lasts 3–5 s; both extremes and a
    // clip flush with the scene's end are present.
    @Test func candidatesSpanThreeToFiveSeconds() throws {
        let scene = try Scene(startFrame: 10, endFrame: 10 + 7 * 25 + 3, framesPerSecond: 25)
        let candidates = try ClipSelector.candidates(in: scene)
        #expect(!candidates.isEmpty)
        for clip in candidates {
            #expect(clip.startFrame >= scene.startFrame && clip.endFrame <= scene.endFrame)
            #expect(clip.durationSeconds >= 3 && clip.durationSeconds <= 5)
        }
        #expect(Set(candidates.map(\.frameCount)) == [75, 100, 125])
        #expect(candidates.contains { $0.endFrame == scene.endFrame && $0.frameCount == 75 })
    }

    // Invariant: a scene shorter than 3 s has no candidate; a 3.5 s scene caps clips at its length.
    @Test func shortScenesYieldNoClip() throws {
        let short = try Scene(startFrame: 0, endFrame: 74, framesPerSecond: 25)
        #expect(try ClipSelector.candidates(in: short).isEmpty)
        #expect(try ClipSelector.bestClip(in: short, scorer: ClosureClipScorer { _ in 1 }) == nil)
        let medium = try Scene(startFrame: 0, endFrame: 88, framesPerSecond: 25)
        #expect(Set(try ClipSelector.candidates(in: medium).map(\.frameCount)) == [88, 75])
    }

    // Invariant: the chooser returns the candidate the injected scorer ranks highest; ties go
    // to the longer, then the earlier clip.
    @Test func bestClipFollowsTheScorer() throws {
        // At 20 fps starts step by 10 frames and lengths are 60, 80 and 100 frames.
        let scene = try Scene(startFrame: 0, endFrame: 200, framesPerSecond: 20)
        let nearHundred = ClosureClipScorer { -abs(Double($0.startFrame) - 100) - Double($0.frameCount) }
        let best = try #require(try ClipSelector.bestClip(in: scene, scorer: nearHundred))
        #expect(best.clip.startFrame == 100 && best.clip.frameCount == 60)
        let flat = try #require(try ClipSelector.bestClip(in: scene, scorer: ClosureClipScorer { _ in 0 }))
        #expect(flat.clip.startFrame == 0 && flat.clip.frameCount == 100)
    }

    // Invariant: scorer failures and non-finite scores become typed errors naming the clip.
    @Test func scorerFailuresAreReported() throws {
        struct Broken: Error {}
        let scene = try Scene(startFrame: 0, endFrame: 100, framesPerSecond: 25)
        #expect(throws: DataError.self) { try ClipSelector.bestClip(in: scene, scorer: ClosureClipScorer { _ in throw Broken() }) }
        #expect(throws: DataError.scoringFailed(startFrame: 0, endFrame: 100, reason: "score nan is not finite")) {
            try ClipSelector.bestClip(in: scene, scorer: ClosureClipScorer { _ in .nan })
        }
        var options = ClipSelectionOptions()
        options.minimumSeconds = 6
        #expect(throws: DataError.self) { try ClipSelector.candidates(in: scene, options: options) }
    }

    // Invariant: the visual score prefers sharp to blurred, exposed to near-black, moving to static.
    @Test func visualQualityOrdersClips() throws {
        let clip = ClipCandidate(startFrame: 0, endFrame: 10, framesPerSecond: 25)
        func score(_ make: @escaping (Int) throws -> PackedImage) throws -> Double {
            try VisualQualityScorer(frameAt: make).score(clip)
        }
        let sharpMoving = try score { try Self.frame(level: 120, contrast: 60, offset: $0) }
        let softMoving = try score { try Self.frame(level: 120, contrast: 10, offset: $0) }
        let sharpStatic = try score { _ in try Self.frame(level: 120, contrast: 60) }
        let dark = try score { try Self.frame(level: 8, contrast: 6, offset: $0) }
        #expect(sharpMoving > softMoving)
        #expect(sharpMoving > sharpStatic)
        #expect(dark == 0 && softMoving > dark)
        #expect(throws: DataError.self) { try VisualQualityScorer(samplesPerClip: 1) { _ in try Self.frame(level: 0, contrast: 0) } }
    }

    // Invariant: the whole stage drops short scenes and picks, in a scene that is black for its
    // first half, a clip in the lit second half.
    @Test func selectClipsAvoidsBlackFrames() throws {
        let scenes = Scene.scenes(fromCuts: [50], frameCount: 50 + 250, framesPerSecond: 25)
        let scorer = try VisualQualityScorer { index in
            try Self.frame(level: index < 175 ? 4 : 120, contrast: index < 175 ? 2 : 50, offset: index)
        }
        let clips = try ClipSelector.selectClips(from: scenes, scorer: scorer)
        try #require(clips.count == 1)
        #expect(clips[0].clip.startFrame >= 175 && clips[0].clip.endFrame <= 300)
    }
}
