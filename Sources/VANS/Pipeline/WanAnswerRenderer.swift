// The VDM stage of VANS (paper §4, App. C.1) over `WanRenderPipeline`: a diffusers Wan pipeline directory (plus its
// `vans_profile.json`) rendering a caption into an answer video conditioned on n reference frames of the input.
// `WanRenderPipeline` loads umT5, the VAE and the DiT in turn and releases each after its stage, so this holds no
// weights between renders.
import Foundation
import VideoIO
import Wan

/// How a VDM directory renders (its `vans_profile.json`; the paper's profile when absent). One type with Wan's, which
/// owns the defaults and the validation.
public typealias RendererProfile = WanRenderProfile

extension WanRenderProfile {
    /// Reads `directory`'s profile for a VANS stage: a malformed one is a ``PipelineError`` naming the file and key.
    static func stage(directory: URL) throws(PipelineError) -> WanRenderProfile {
        do { return try load(directory: directory) } catch {
            if case .invalidPipeline(let path, let reason) = error { throw .modelDirectory(path: path, reason: reason) }
            throw .modelDirectory(path: directory.appendingPathComponent(fileName).path, reason: "\(error)")
        }
    }

    /// The render settings for `options` (its steps override the profile's).
    public func settings(_ options: RenderOptions) -> WanRenderSettings {
        var settings = self.settings
        settings.steps = options.steps ?? steps
        settings.seed = options.seed
        return settings
    }
}

/// An ``AnswerRenderer`` backed by a diffusers Wan pipeline directory.
public final class WanAnswerRenderer: AnswerRenderer, @unchecked Sendable {
    public let pipeline: WanRenderPipeline
    public let profile: RendererProfile

    /// Checks `directory`'s layout (model_index.json and the five components) and reads its profile; no weights load
    /// until ``render(caption:input:options:progress:)``.
    public init(directory: URL, profile: RendererProfile? = nil) throws {
        do {
            pipeline = try WanRenderPipeline(directory: directory)
        } catch {
            throw PipelineError.modelDirectory(path: directory.path, reason: "\(error)")
        }
        self.profile = try profile ?? RendererProfile.stage(directory: directory)
    }

    /// n input frames for reference: the video's frames at ``evenlySpacedIndices(frameCount:count:)`` (all of them
    /// when shorter), else the image, resized and center-cropped to the output size as Wan's training data was
    /// (`WanVideoProcessor.cropAndResize`). Throws a typed error naming an unreadable file.
    public func referenceFrames(for input: AnswerInput) throws -> [VideoFrame] {
        guard let file = input.video ?? input.image else { return [] }
        let decoded: [VideoFrame]
        do {
            decoded = try VideoDecoder(path: file.path).decodeAll()
        } catch {
            throw PipelineError.invalidInput("\(file.path): not a readable video or image (\(error))")
        }
        let processor = try WanVideoProcessor(height: profile.height, width: profile.width)
        let chosen = input.video != nil
            ? Self.evenlySpacedIndices(frameCount: decoded.count, count: profile.referenceFrames).map { decoded[$0] }
            : [decoded[0]]
        return chosen.map { $0.width == profile.width && $0.height == profile.height ? $0 : processor.cropAndResize($0) }
    }

    /// The reference-frame rule: n indices evenly spaced over F input frames, first and last included,
    /// `round(i·(F−1)/(n−1))` for i in 0..<n (half to even, as numpy's `round(linspace(0, F−1, n))`); n = 1 gives
    /// frame 0; when F < n, every frame once. (The training side's `ReferenceFrames.select(from:count:)` must match.)
    static func evenlySpacedIndices(frameCount: Int, count: Int) -> [Int] {
        let n = min(count, frameCount)
        guard n > 1 else { return n == 1 ? [0] : [] }
        return (0..<n).map { i in Int((Double(i * (frameCount - 1)) / Double(n - 1)).rounded(.toNearestOrEven)) }
    }

    /// Renders `caption`. Progress stages: "text encoding", "VAE encode", "denoising", "VAE decode" (Wan's own).
    public func render(caption: String, input: AnswerInput, options: RenderOptions, progress: StageProgressHandler?) throws -> RenderedVideo {
        if let steps = options.steps, steps < 1 { throw PipelineError.invalidInput("steps must be at least 1, got \(steps)") }
        let references = options.useReferenceFrames ? try referenceFrames(for: input) : []
        let result: WanRenderResult
        do {
            result = try pipeline.render(caption: caption, references: references, settings: profile.settings(options)) { stage, done, total in
                progress?(StageProgress(stage: stage.rawValue, done: done, total: total))
            }
        } catch {
            throw PipelineError.modelDirectory(path: pipeline.index.directory.path, reason: "render failed: \(error)")
        }
        return RenderedVideo(frames: result.frames, fps: profile.fps, referenceFrames: result.referenceFrames, seconds: result.seconds)
    }
}
