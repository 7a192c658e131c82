// Every knob of Joint-GRPO with the paper's value or the project's default (paper §4.2, App. B–C;
// ../shared/reference/grpo.md, decisions 1–17), and the rows of Table 2 as named configurations of one trainer:
// a row is a list of phases, a phase says which model trains, where captions come from and which rewards count.

/// Which model a phase trains.
public enum GRPOTrainedModel: String, Sendable, Codable, CaseIterable {
    /// The VLM (token-level GRPO, Eq. 1–2).
    case vlm
    /// The VDM (Flow-GRPO on SDE rollouts).
    case vdm
    /// Both at once on one joint reward (the all-in-one row).
    case both
}

/// Where the captions the VDM renders come from.
public enum GRPOCaptionSource: String, Sendable, Codable, CaseIterable {
    /// The VLM policy's G sampled captions (stage 1, the VLM-only row, all-in-one).
    case policy
    /// The ground-truth caption of the sample (the VDM-only row).
    case groundTruth = "ground_truth"
    /// The frozen VLM's anchor caption, filtered by ROUGE-L (stage 2, decision 14).
    case anchor
}

/// A reward component a phase can use, by its log name.
public enum GRPORewardComponent: String, Sendable, Codable, CaseIterable {
    /// r_f: the answer follows `[Think]…[/Think][Ans]…[/Ans]`.
    case format = "r_f"
    /// r_t1: ROUGE-L F1 of the answer against the ground-truth caption.
    case rouge = "r_t1"
    /// r_v1 / r_v2: CLIP similarity of the rendered video to the ground-truth video.
    case videoSimilarity = "r_v"
    /// r_c2: CLIPScore of the rendered video against the caption it was rendered from.
    case captionScore = "r_c"

    /// Whether the component needs a rendered video.
    public var needsVideo: Bool { self == .videoSimilarity || self == .captionScore }
}

/// One phase of a row: one trainer configuration.
public struct GRPOPhase: Sendable, Codable, Equatable {
    /// A short name for logs (`stage1`, `stage2`, `vlm`, `vdm`, `joint`).
    public var name: String
    public var trains: GRPOTrainedModel
    public var captions: GRPOCaptionSource
    /// Component → weight λ (all 1 in the paper, App. B.1); a component absent here is neither computed nor logged.
    public var rewards: [String: Double]
    /// Optimiser steps of the phase (stage 1: 800, stage 2: 1000; App. C.1).
    public var steps: Int

    public init(name: String, trains: GRPOTrainedModel, captions: GRPOCaptionSource, rewards: [GRPORewardComponent: Double], steps: Int) {
        self.name = name
        self.trains = trains
        self.captions = captions
        self.rewards = Dictionary(uniqueKeysWithValues: rewards.map { ($0.key.rawValue, $0.value) })
        self.steps = steps
    }

    /// The weight of `component`, nil when the phase does not use it.
    public func weight(_ component: GRPORewardComponent) -> Double? { rewards[component.rawValue] }

    /// Whether any used component needs rendered videos.
    public var rendersVideo: Bool { GRPORewardComponent.allCases.contains { $0.needsVideo && weight($0) != nil } }
}

/// A row of the paper's Table 2: a name and its phases, run in order in one run directory.
public struct GRPORow: Sendable, Codable, Equatable {
    public var name: String
    public var phases: [GRPOPhase]

    public init(name: String, phases: [GRPOPhase]) {
        self.name = name
        self.phases = phases
    }

    static func stageOne(steps: Int, text: Bool = true, video: Bool = true) -> GRPOPhase {
        var rewards: [GRPORewardComponent: Double] = [.format: 1]
        if text { rewards[.rouge] = 1 }
        if video { rewards[.videoSimilarity] = 1 }
        return GRPOPhase(name: "stage1", trains: .vlm, captions: .policy, rewards: rewards, steps: steps)
    }

    static func stageTwo(steps: Int, video: Bool = true, caption: Bool = true) -> GRPOPhase {
        var rewards: [GRPORewardComponent: Double] = [:]
        if video { rewards[.videoSimilarity] = 1 }
        if caption { rewards[.captionScore] = 1 }
        return GRPOPhase(name: "stage2", trains: .vdm, captions: .anchor, rewards: rewards, steps: steps)
    }

    static let vlmOnly = GRPOPhase(name: "vlm", trains: .vlm, captions: .policy, rewards: [.format: 1, .rouge: 1], steps: 800)
    static let vdmOnly = GRPOPhase(name: "vdm", trains: .vdm, captions: .groundTruth,
                                   rewards: [.videoSimilarity: 1, .captionScore: 1], steps: 1000)

    /// Every row of Table 2, by name.
    public static let all: [GRPORow] = [
        GRPORow(name: "grpo-vlm", phases: [vlmOnly]),
        GRPORow(name: "grpo-vdm", phases: [vdmOnly]),
        // The two isolated runs cascaded: both start from SFT, neither sees the other.
        GRPORow(name: "grpo-cascade", phases: [vlmOnly, vdmOnly]),
        GRPORow(name: "stage1", phases: [stageOne(steps: 800)]),
        GRPORow(name: "stage1-no-rt1", phases: [stageOne(steps: 800, text: false)]),
        GRPORow(name: "stage1-no-rv1", phases: [stageOne(steps: 800, video: false)]),
        GRPORow(name: "stage1+2", phases: [stageOne(steps: 800), stageTwo(steps: 1000)]),
        GRPORow(name: "stage2", phases: [stageTwo(steps: 1000)]),
        GRPORow(name: "stage2-no-rc2", phases: [stageTwo(steps: 1000, caption: false)]),
        GRPORow(name: "stage2-no-rv2", phases: [stageTwo(steps: 1000, video: false)]),
        GRPORow(name: "all-in-one", phases: [GRPOPhase(name: "joint", trains: .both, captions: .policy,
                                                       rewards: [.format: 1, .rouge: 1, .videoSimilarity: 1, .captionScore: 1],
                                                       steps: 1000)]),
    ]

    /// The row named `name`.
    public static func named(_ name: String) throws -> GRPORow {
        guard let row = all.first(where: { $0.name == name }) else {
            throw TrainingError.invalidOption(name: "row", reason: "unknown row '\(name)'; rows: \(all.map(\.name).joined(separator: ", "))")
        }
        return row
    }
}

/// Every knob of a Joint-GRPO run, with its default (the paper's value where it states one).
public struct GRPOParameters: Sendable, Codable, Equatable {
    /// The Table-2 row.
    public var row: GRPORow
    /// Seed of data order, sampling and SDE noise (each a pure function of seed and step, so resume is exact).
    public var seed: UInt64 = 0
    /// Samples per prompt G (App. C.1: 8).
    public var groupSize = 8
    /// Prompts (groups) per optimiser step; gradients accumulate over them (decision 17).
    public var promptsPerStep = 1
    /// Learning rate (App. C.1: 5e-5, both stages), constant (decision 16).
    public var learningRate = 5e-5
    /// AdamW β₁, β₂, ε and weight decay (decision 16, flow_grpo's values).
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.999
    public var adamEpsilon = 1e-8
    public var weightDecay = 1e-4
    /// Global gradient-norm clip (decision 16).
    public var gradientClip: Float = 1
    /// Checkpoint every this many steps (and at the end of every phase).
    public var checkpointEvery = 50

    // Advantages (decision 1) and reward normalisation (decision 6).
    /// Population σ, ε 1e-4, zero-variance groups skipped.
    public var advantageDeviation: GroupAdvantages.Deviation = .population
    public var advantageEpsilon = 1e-4
    /// ε added to each component's σ before summing (decision 6).
    public var rewardEpsilon = 1e-4

    /// Decision 7: an output that fails the format gets text and video rewards 0 and is not rendered. Off scores
    /// ROUGE-L on the answer block or, failing the format, the whole output, and renders it (an ablation knob).
    public var formatGate = true

    // VLM (decisions 2–5, 15).
    /// LoRA rank and α of the VLM (App. C.1: r 8, α 32, all LLM linear layers).
    public var vlmLoRARank = 8
    public var vlmLoRAAlpha: Float = 32
    /// KL weight β (App. C.1: 0.004) against the policy with its adapter off (the starting VLM).
    public var vlmBeta: Float = 0.004
    /// Clip range ε (App. C.1: 1e-3; inert with one update per rollout, decision 4).
    public var vlmClip: Float = 1e-3
    public var vlmLossReduction: GRPOLossReduction = .grpo
    /// Sampling temperature τ and top-p (decision 15).
    public var temperature: Float = 1
    public var topP: Float = 1
    /// New-token budget; nil takes the VLM profile's (512 for the paper's model).
    public var maximumNewTokens: Int?

    // VDM (decisions 12–13).
    /// LoRA rank and α on the DiT's attention q, k, v, o (flow_grpo's Wan recipe).
    public var vdmLoRARank = 32
    public var vdmLoRAAlpha: Float = 64
    /// KL weight β and clip range (App. C.1: 0.004 and 1e-3).
    public var vdmBeta: Float = 0.004
    public var vdmClip: Float = 1e-3
    /// Advantages are clamped to ±this in the Flow-GRPO loss (flow_grpo's `adv_clip_max`).
    public var vdmAdvantageClip: Float = 5
    /// SDE steps of a training rollout (decision 12: 20).
    public var sdeSteps = 20
    /// Denoising transitions trained, from the first (flow_grpo's timestep_fraction 0.99 trains all but the last).
    public var timestepFraction = 0.99
    /// Classifier-free guidance in rollouts and recomputation, "" as negative (decision 12: 4.5; ≤ 1 turns it off).
    public var trainingGuidance: Float = 4.5
    /// One initial noise shared by the G videos of a stage-2 group (flow_grpo `same_latent`; off by default).
    public var sharedNoiseInStageTwo = false

    // Rendering of the frozen VDM in stage 1 (decision 11): deterministic, one noise seed per group.
    /// Steps of the frozen renderer; nil takes the VDM profile's.
    public var renderSteps: Int?

    // Stage-2 anchors (decision 14).
    /// Anchors below this ROUGE-L against the ground truth are regenerated, then dropped (App. C.1: 0.6).
    public var anchorThreshold = 0.6
    /// Sampled retries at τ = 1 after the greedy anchor.
    public var anchorRetries = 4

    public init(row: GRPORow) { self.row = row }

    /// Rejects impossible settings, naming the knob.
    public func validate() throws {
        func fail(_ name: String, _ reason: String) -> TrainingError { .invalidOption(name: name, reason: reason) }
        guard groupSize >= 2 else { throw fail("group", "must be at least 2 (advantages compare samples of a group), got \(groupSize)") }
        guard promptsPerStep >= 1 else { throw fail("prompts-per-step", "must be positive, got \(promptsPerStep)") }
        guard learningRate > 0, learningRate.isFinite else { throw fail("lr", "must be positive, got \(learningRate)") }
        guard checkpointEvery >= 1 else { throw fail("checkpoint-every", "must be positive, got \(checkpointEvery)") }
        guard !row.phases.isEmpty, row.phases.allSatisfy({ $0.steps >= 1 }) else { throw fail("steps", "every phase needs at least one step") }
        guard temperature > 0, temperature.isFinite else { throw fail("temperature", "GRPO samples, so it must be positive, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw fail("top-p", "must be in (0, 1], got \(topP)") }
        guard sdeSteps >= 2 else { throw fail("sde-steps", "must be at least 2, got \(sdeSteps)") }
        guard timestepFraction > 0, timestepFraction <= 1 else { throw fail("timestep-fraction", "must be in (0, 1], got \(timestepFraction)") }
        guard (0...1).contains(anchorThreshold) else { throw fail("anchor-threshold", "must be in [0, 1], got \(anchorThreshold)") }
        guard anchorRetries >= 0 else { throw fail("anchor-retries", "must be non-negative, got \(anchorRetries)") }
    }

    /// Total optimiser steps over all phases.
    public var totalSteps: Int { row.phases.reduce(0) { $0 + $1.steps } }

    /// The phase of global step `step` (1-based) and the step within it.
    public func phase(ofStep step: Int) -> (index: Int, phase: GRPOPhase, localStep: Int) {
        var remaining = step
        for (index, phase) in row.phases.enumerated() {
            if remaining <= phase.steps { return (index, phase, remaining) }
            remaining -= phase.steps
        }
        let last = row.phases.count - 1
        return (last, row.phases[last], remaining + row.phases[last].steps)
    }

    /// The number of trained SDE transitions (flow_grpo: int(steps · fraction), at least 1).
    public var trainedTransitions: Int { max(1, min(sdeSteps, Int(Double(sdeSteps) * timestepFraction))) }

    /// Sets every phase's step count (`--steps`).
    public mutating func setStepsPerPhase(_ steps: Int) {
        for index in row.phases.indices { row.phases[index].steps = steps }
    }
}
