// The two policies Joint-GRPO trains, as protocols (paper §4.2, Figure 5): a text policy (the VLM) that samples
// G completions for a (video, question) prompt and scores them with and without its adapter, and a video policy
// (the VDM) that renders captions deterministically (the frozen renderer of stage 1) or as recorded SDE rollouts
// whose steps it can re-evaluate with and without its adapter (Flow-GRPO). The trainer depends only on these.
import Foundation
import NN
import Tensor
import VideoIO
import Wan

/// One training prompt with its ground truth, as the trainer and the rewards see it.
public struct GRPOSample: @unchecked Sendable {
    public var id: String
    public var question: String
    /// The input video file (the VLM reads it through its processor).
    public var inputVideo: URL
    /// Frames of the input (the VDM takes its reference frames from them).
    public var inputFrames: [VideoFrame]
    /// s_gt.
    public var groundTruthCaption: String
    /// v_gt.
    public var groundTruthVideo: [VideoFrame]

    public init(id: String, question: String, inputVideo: URL, inputFrames: [VideoFrame], groundTruthCaption: String,
                groundTruthVideo: [VideoFrame]) {
        self.id = id
        self.question = question
        self.inputVideo = inputVideo
        self.inputFrames = inputFrames
        self.groundTruthCaption = groundTruthCaption
        self.groundTruthVideo = groundTruthVideo
    }
}

/// G sampled completions of one prompt.
public struct TextRollout {
    /// Token ids per completion (the stop token, when produced, is the last and is trained, as TRL does).
    public var tokens: [[Int]]
    /// log_softmax(logits/τ) of each sampled token during the rollout.
    public var logProbabilities: [[Float]]
    /// The decoded text of each completion (stop token excluded).
    public var texts: [String]
}

/// The VLM as GRPO sees it.
public protocol TextPolicy: AnyObject {
    /// The module whose trainable parameters are the policy's adapters (nil when nothing trains).
    var trainableModule: Module { get }
    /// Whether the policy has trainable adapters (false for a frozen VLM).
    var isTrainable: Bool { get }
    /// `count` completions of `sample`'s prompt sharing one prefill; temperature 0 is greedy.
    func sample(_ sample: GRPOSample, count: Int, temperature: Float, topP: Float, maximumTokens: Int, seed: UInt64) throws -> TextRollout
    /// log π_θ [G, T] of every completion token under logits/τ (0 past a completion's end), teacher-forced and
    /// differentiable in the adapters.
    func logProbabilities(_ sample: GRPOSample, completions: [[Int]], temperature: Float) throws -> Tensor
    /// log π_ref [G, T] with the adapters disabled, without gradient.
    func referenceLogProbabilities(_ sample: GRPOSample, completions: [[Int]], temperature: Float) throws -> Tensor
}

/// A recorded SDE rollout of G videos: the latents before and after every step, each step's log-probability,
/// the conditioning (identical in recomputation, so the on-policy ratio is 1) and the decoded frames.
public struct VideoRollout {
    /// The schedule walked.
    public var schedule: FlowMatchSchedule
    /// K + 1 latents, each [G, C, F, H, W]: x_0 (noise) … x_K.
    public var latents: [Tensor]
    /// K log-probabilities, each [G].
    public var logProbabilities: [Tensor]
    /// Prompt embeddings [G, S, D], the negative prompt's (nil without guidance) and reference latents (nil without).
    public var context: Tensor
    public var negativeContext: Tensor?
    public var references: Tensor?
    /// Classifier-free guidance scale used.
    public var guidance: Float
    /// The decoded videos, one per sample.
    public var videos: [[VideoFrame]]
}

/// The VDM as Flow-GRPO sees it.
public protocol VideoPolicy: AnyObject {
    /// The module whose trainable parameters are the policy's adapters.
    var trainableModule: Module { get }
    var isTrainable: Bool { get }
    /// Renders each caption deterministically (the profile's sampler; `steps` nil takes the profile's), all from one
    /// initial noise drawn from `seed` (decision 11), conditioned on reference frames of `sample`'s input.
    func render(captions: [String], sample: GRPOSample, steps: Int?, seed: UInt64) throws -> [[VideoFrame]]
    /// An SDE rollout of `captions.count` videos (one per caption) with per-step log-probabilities; noise from `seed`,
    /// the initial noise shared by all when `sharedNoise`.
    func rollout(captions: [String], sample: GRPOSample, steps: Int, guidance: Float, seed: UInt64, sharedNoise: Bool) throws -> VideoRollout
    /// The guided velocity at step `index` of `rollout`, differentiable in the adapters.
    func velocity(_ rollout: VideoRollout, step index: Int) throws -> Tensor
    /// The same with the adapters disabled, without gradient (the reference policy of the KL term).
    func referenceVelocity(_ rollout: VideoRollout, step index: Int) throws -> Tensor
}

extension TextRollout {
    /// The completions right-padded into [G, T] ids (padding repeats the first token) and their 0/1 mask.
    public static func padded(_ completions: [[Int]]) -> (tokens: Tensor, mask: Tensor) {
        let longest = completions.map(\.count).max() ?? 0
        let filler = completions.first?.first ?? 0
        let ids = completions.flatMap { $0 + Array(repeating: filler, count: longest - $0.count) }
        let mask = completions.flatMap { row in (0..<longest).map { Float($0 < row.count ? 1 : 0) } }
        return (Tensor(indices: ids, shape: [completions.count, longest]), Tensor(mask, shape: [completions.count, longest]))
    }
}

/// Trainable tensors of the policies under one optimizer: keys are prefixed by the model (`vlm.`, `vdm.`).
struct TrainableSet {
    var modules: [(prefix: String, module: Module)]

    /// Every trainable tensor, prefixed.
    func parameters() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (prefix, module) in modules {
            for (key, value) in module.trainableParameters() { result["\(prefix).\(key)"] = value }
        }
        return result
    }

    /// Binds prefixed tensors back into their modules; with `requireAll` (a checkpoint) every trainable key must be
    /// given, and any other key is an error naming it.
    func update(_ tensors: [String: Tensor], requireAll: Bool = false) throws {
        for (prefix, module) in modules {
            let mine = tensors.filter { $0.key.hasPrefix(prefix + ".") }
            let stripped = Dictionary(uniqueKeysWithValues: mine.map { (String($0.key.dropFirst(prefix.count + 1)), $0.value) })
            let expected = Set(module.trainableParameters().keys)
            if requireAll, let missing = expected.subtracting(stripped.keys).sorted().first {
                throw TrainingError.checkpoint(path: "\(prefix).\(missing)", reason: "missing from the checkpoint")
            }
            try module.update(parameters: stripped)
        }
        let known = Set(modules.map { $0.prefix + "." })
        if let stray = tensors.keys.sorted().first(where: { key in !known.contains { key.hasPrefix($0) } }) {
            throw TrainingError.checkpoint(path: stray, reason: "no trained model has this tensor")
        }
    }
}
