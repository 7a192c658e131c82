// The VDM stage of VANS (paper §4, App. C.1) over `WanRenderPipeline`: a diffusers Wan pipeline directory (plus its
// `vans_profile.json`) rendering a caption into an answer video conditioned on n reference frames of the input.
// `WanRenderPipeline` loads umT5, the VAE and the DiT in turn and releases each after its stage, so this holds no
// weights between renders.
import Foundation
import VideoIO
import Wan

/// How a VDM directory renders (its `vans_profile.json`; the paper's profile when absent).
public struct RendererProfile: Decodable, Sendable, Equatable {
    public var profile: String
    /// Frames of the answer video (4k + 1).
    public var frames: Int
    public var height: Int
    public var width: Int
    /// Frame rate of the written answer.
    public var fps: Double
    /// n reference frames taken from the input.
    public var referenceFrames: Int
    /// Denoising steps.
    public var steps: Int
    /// Classifier-free guidance scale.
    public var guidance: Float
    /// "unipc", "euler" or "sde".
    public var sampler: WanSamplerKind

    /// The paper's answers (App. C.2): 33 frames at 352×640, 16 fps, n = 6, 50 steps, guidance 5, UniPC.
    public static let paper = RendererProfile(profile: "paper", frames: 33, height: 352, width: 640, fps: 16,
                                              referenceFrames: 6, steps: 50, guidance: 5, sampler: .uniPC)

    public init(profile: String, frames: Int, height: Int, width: Int, fps: Double, referenceFrames: Int, steps: Int,
                guidance: Float, sampler: WanSamplerKind) {
        self.profile = profile
        self.frames = frames
        self.height = height
        self.width = width
        self.fps = fps
        self.referenceFrames = referenceFrames
        self.steps = steps
        self.guidance = guidance
        self.sampler = sampler
    }

    enum CodingKeys: String, CodingKey {
        case profile, frames, height, width, fps, referenceFrames = "reference_frames", steps, guidance, sampler
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let paper = Self.paper
        profile = try container.decodeIfPresent(String.self, forKey: .profile) ?? "custom"
        frames = try container.decodeIfPresent(Int.self, forKey: .frames) ?? paper.frames
        height = try container.decodeIfPresent(Int.self, forKey: .height) ?? paper.height
        width = try container.decodeIfPresent(Int.self, forKey: .width) ?? paper.width
        fps = try container.decodeIfPresent(Double.self, forKey: .fps) ?? paper.fps
        referenceFrames = try container.decodeIfPresent(Int.self, forKey: .referenceFrames) ?? paper.referenceFrames
        steps = try container.decodeIfPresent(Int.self, forKey: .steps) ?? paper.steps
        guidance = try container.decodeIfPresent(Float.self, forKey: .guidance) ?? paper.guidance
        if let name = try container.decodeIfPresent(String.self, forKey: .sampler) {
            guard let kind = WanSamplerKind(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .sampler, in: container, debugDescription: "unknown sampler \"\(name)\" (unipc, euler, sde)")
            }
            sampler = kind
        } else {
            sampler = paper.sampler
        }
    }

    /// Reads `directory/vans_profile.json`, or returns ``paper`` when absent; a malformed or impossible profile is an
    /// error naming the file and the key.
    public static func load(directory: URL) throws -> RendererProfile {
        let file = directory.appendingPathComponent("vans_profile.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return .paper }
        let profile: RendererProfile
        do {
            profile = try JSONDecoder().decode(RendererProfile.self, from: Data(contentsOf: file))
        } catch {
            throw PipelineError.modelDirectory(path: file.path, reason: "unreadable profile: \(error)")
        }
        func bad(_ key: String, _ reason: String) -> PipelineError { .modelDirectory(path: file.path, reason: "\(key): \(reason)") }
        guard WanVideoProcessor.isValidFrameCount(profile.frames) else { throw bad("frames", "\(profile.frames) is not 4k + 1") }
        guard profile.height > 0, profile.width > 0, profile.height % 16 == 0, profile.width % 16 == 0 else {
            throw bad("height/width", "\(profile.height)×\(profile.width) must be positive multiples of 16")
        }
        guard profile.fps > 0, profile.fps.isFinite else { throw bad("fps", "must be positive, got \(profile.fps)") }
        guard profile.referenceFrames > 0 else { throw bad("reference_frames", "must be positive, got \(profile.referenceFrames)") }
        guard profile.steps > 0 else { throw bad("steps", "must be positive, got \(profile.steps)") }
        guard profile.guidance.isFinite else { throw bad("guidance", "must be finite") }
        return profile
    }

    /// The render settings for `options` (its steps override the profile's).
    public func settings(_ options: RenderOptions) -> WanRenderSettings {
        var settings = WanRenderSettings()
        settings.frames = frames
        settings.height = height
        settings.width = width
        settings.steps = options.steps ?? steps
        settings.guidance = guidance
        settings.sampler = sampler
        settings.seed = options.seed
        settings.fps = fps
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
        self.profile = try profile ?? RendererProfile.load(directory: directory)
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
