// The reward interface of Joint-GRPO (paper Sec. 3.2, ../shared/reference/grpo.md decisions 6–10): per-sample
// rewards for one group of G rollouts, so batched scorers (CLIP) cost one pass per group.
import VideoIO

/// One rollout of a group as the rewards see it.
public struct RewardSample: Sendable {
    /// The VLM's full output (Stage 1), reasoning and answer tags included; empty when only a video is scored.
    public var completion: String
    /// The video rendered for this rollout, or nil when none was rendered (a Stage-1 caption that failed the
    /// format is not rendered, decision 7; its video rewards are 0).
    public var video: [VideoFrame]?

    public init(completion: String = "", video: [VideoFrame]? = nil) {
        self.completion = completion
        self.video = video
    }
}

/// A group of G rollouts for one prompt, with the prompt's ground truth.
public struct RewardGroup: Sendable {
    /// The G rollouts.
    public var samples: [RewardSample]
    /// The ground-truth next-event caption s_gt (target of ROUGE-L).
    public var groundTruthCaption: String
    /// The ground-truth next-event video v_gt (reference of r_v1 and r_v2).
    public var groundTruthVideo: [VideoFrame]?
    /// The anchor caption the VDM rendered from in Stage 2 (text of r_c2).
    public var anchorCaption: String?

    public init(samples: [RewardSample], groundTruthCaption: String = "", groundTruthVideo: [VideoFrame]? = nil,
                anchorCaption: String? = nil) {
        self.samples = samples
        self.groundTruthCaption = groundTruthCaption
        self.groundTruthVideo = groundTruthVideo
        self.anchorCaption = anchorCaption
    }
}

/// What went wrong while scoring a group.
public enum RewardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The group lacks what a reward needs (the message names the reward and the missing part).
    case missingInput(reward: String, reason: String)
    /// A scorer returned the wrong number of values.
    case wrongCount(reward: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case .missingInput(let reward, let reason): return "reward \(reward): \(reason)"
        case .wrongCount(let reward, let expected, let found): return "reward \(reward): \(found) values for a group of \(expected)"
        }
    }
}

/// One reward component: a value per sample of a group, in the sample order.
public protocol RewardScoring {
    /// A short name for logs (`format`, `rouge_l`, `clip_v`, `clipscore`).
    var name: String { get }
    /// One value per sample of `group`.
    func scores(_ group: RewardGroup) throws -> [Double]
}
