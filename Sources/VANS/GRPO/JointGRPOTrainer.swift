// Joint-GRPO (paper §4.2, Figure 5, App. B–C) as one trainer whose rows of Table 2 are configurations: each step
// reads top to bottom like nanoGPT's train.py — schedule → rollout → rewards → advantages → loss → step → log →
// checkpoint. The VLM's loss is TRL's token GRPO (`TokenGRPOLoss`), the VDM's flow_grpo's step loss
// (`FlowGRPOLoss`) accumulated over the trained transitions of an SDE rollout; both share one AdamW.
import Foundation
import CaptionMetrics
import NN
import Support
import Tensor
import VideoIO
import VideoMetrics

/// The Joint-GRPO trainer.
public final class JointGRPOTrainer {
    public let parameters: GRPOParameters
    public let samples: [GRPOSample]
    public let textPolicy: (any TextPolicy)?
    public let videoPolicy: (any VideoPolicy)?
    public let embedder: (any VideoEmbedding)?
    /// The answer format the VLM is asked for (r_f, and what the VDM renders: the answer block).
    public var format = AnswerFormat()
    /// New-token budget of a rollout.
    public var maximumNewTokens: Int
    /// Inputs named in config.json beside the knobs (model and data paths), so a run can be repeated.
    public var inputs: [String: String] = [:]
    /// Called after every step with (step, total, logged values).
    public var progress: ((Int, Int, [String: Double]) -> Void)?

    public init(parameters: GRPOParameters, samples: [GRPOSample], textPolicy: (any TextPolicy)?, videoPolicy: (any VideoPolicy)?,
                embedder: (any VideoEmbedding)?, maximumNewTokens: Int) {
        self.parameters = parameters
        self.samples = samples
        self.textPolicy = textPolicy
        self.videoPolicy = videoPolicy
        self.embedder = embedder
        self.maximumNewTokens = maximumNewTokens
    }

    struct RunConfiguration: Encodable {
        var grpo: GRPOParameters
        var inputs: [String: String]
        var maximumNewTokens: Int
        var answerFormat: String
    }

    /// Runs (or, with `resume`, continues) the row in `directory` and returns the log. `stopAfter` ends the run
    /// after that global step as a kill would (tests use it to interrupt a run).
    @discardableResult
    public func train(directory: URL, resume: Bool, stopAfter: Int? = nil) throws -> [[String: Double]] {
        try parameters.validate()
        try checkModels()
        let run = try TrainingRun(directory: directory, configuration: RunConfiguration(
            grpo: parameters, inputs: inputs, maximumNewTokens: maximumNewTokens, answerFormat: format.style.rawValue), resume: resume)
        var modules: [(prefix: String, module: Module)] = []
        if let textPolicy, textPolicy.isTrainable { modules.append(("vlm", textPolicy.trainableModule)) }
        if let videoPolicy, videoPolicy.isTrainable { modules.append(("vdm", videoPolicy.trainableModule)) }
        let trainable = TrainableSet(modules: modules)
        let optimizer = AdamW(learningRate: parameters.learningRate, betas: (parameters.adamBeta1, parameters.adamBeta2),
                              epsilon: parameters.adamEpsilon, weightDecay: parameters.weightDecay)
        var firstStep = 1
        if let checkpoint = run.resumed {
            try trainable.update(checkpoint.tensors, requireAll: true)
            if let state = checkpoint.optimizer { try optimizer.restore(state) }
            firstStep = checkpoint.step + 1
        }
        let total = parameters.totalSteps, last = min(total, stopAfter ?? total)
        var pools: [Int: (indices: [Int], anchors: [String: String], dropped: Int)] = [:]
        var step = firstStep
        while step <= last {
            let started = Date()
            // 1. Schedule: the phase, and this step's prompts as a pure function of the step (exact resume).
            let (phaseIndex, phase, localStep) = parameters.phase(ofStep: step)
            if pools[phaseIndex] == nil { pools[phaseIndex] = try pool(phase: phase, index: phaseIndex, run: run) }
            let pool = pools[phaseIndex]!
            let order = try BatchOrder(count: pool.indices.count, batchSize: parameters.promptsPerStep, seed: Self.mix(parameters.seed, UInt64(phaseIndex)))
            var statistics = StepStatistics()
            var gradients: [String: Tensor] = [:]
            for (slot, position) in order.indices(step: localStep - 1).enumerated() {
                let sample = samples[pool.indices[position]]
                let seed = Self.mix(parameters.seed, UInt64(step), UInt64(slot))
                // 2–5. Rollout → rewards → advantages → loss (gradients accumulate over the step's groups).
                try trainGroup(sample: sample, phase: phase, anchor: pool.anchors[sample.id], seed: seed,
                               gradients: &gradients, statistics: &statistics)
            }
            // 6. Step: clip the global norm, one AdamW update of what received gradients.
            var values = statistics.values()
            if !gradients.isEmpty {
                let (clipped, norm) = Gradients.clippedByGlobalNorm(gradients, maximumNorm: parameters.gradientClip)
                let updated = Autograd.withoutGradient { optimizer.step(parameters: trainable.parameters(), gradients: clipped) }
                try trainable.update(updated)
                values["grad_norm"] = Double(norm)
            }
            // 7. Log.
            values["phase"] = Double(phaseIndex)
            values["lr"] = parameters.learningRate
            if phase.captions == .anchor { values["anchors_kept"] = Double(pool.indices.count); values["anchors_dropped"] = Double(pool.dropped) }
            values["step_seconds"] = Date().timeIntervalSince(started)
            try run.log(step: step, values)
            progress?(step, total, values)
            // 8. Checkpoint: periodically, at every phase's end, at the end (and where the run is stopped).
            if step % parameters.checkpointEvery == 0 || localStep == phase.steps || step == last {
                try run.saveCheckpoint(step: step, tensors: trainable.parameters().mapValues { $0.detached() }, optimizer: optimizer.state(),
                                       generator: RandomGenerator(seed: parameters.seed), extra: ["phase": phase.name])
                try run.writeCurves(title: "Joint-GRPO \(parameters.row.name)")
                try GRPOFigures.writeFigureNine(run: run, title: "Joint-GRPO \(parameters.row.name): training curves (paper Figure 9)")
            }
            step += 1
        }
        return try run.logEntries()
    }

    /// Refuses a row whose phases need a model that was not given (or given frozen), naming it.
    func checkModels() throws {
        for phase in parameters.row.phases {
            if phase.trains != .vdm, textPolicy?.isTrainable != true {
                throw TrainingError.invalidOption(name: "vlm", reason: "the \(phase.name) phase trains the VLM: give a VLM with adapters")
            }
            if phase.trains != .vlm, videoPolicy?.isTrainable != true {
                throw TrainingError.invalidOption(name: "vdm", reason: "the \(phase.name) phase trains the VDM: give a VDM with adapters")
            }
            if phase.captions == .anchor, textPolicy == nil {
                throw TrainingError.invalidOption(name: "vlm", reason: "the \(phase.name) phase needs a VLM for its anchor captions")
            }
            if phase.rendersVideo, videoPolicy == nil || embedder == nil {
                throw TrainingError.invalidOption(name: videoPolicy == nil ? "vdm" : "clip", reason: "the \(phase.name) phase renders and scores videos")
            }
        }
    }

    /// One group: G rollouts of `sample`, their rewards and advantages, and the loss gradients of the trained model(s).
    func trainGroup(sample: GRPOSample, phase: GRPOPhase, anchor: String?, seed: UInt64,
                    gradients: inout [String: Tensor], statistics: inout StepStatistics) throws {
        let group = parameters.groupSize
        var rewardSamples: [RewardSample]
        var text: TextRollout?
        var video: VideoRollout?
        var captions: [String]?
        if phase.trains != .vdm, let textPolicy {
            // Rollout (VLM): G completions from one prefill; the VDM renders the captions that follow the format.
            let rollout = try textPolicy.sample(sample, count: group, temperature: parameters.temperature, topP: parameters.topP,
                                                maximumTokens: maximumNewTokens, seed: seed)
            let parsed = rollout.texts.map(format.parse)
            var videos = [[VideoFrame]?](repeating: nil, count: group)
            if phase.trains == .both, let videoPolicy {
                captions = parsed.map(\.answer)
                let rendered = try videoPolicy.rollout(captions: captions!, sample: sample, steps: parameters.sdeSteps,
                                                       guidance: parameters.trainingGuidance, seed: Self.mix(seed, 1), sharedNoise: true)
                for index in 0..<group where parsed[index].followsFormat || !parameters.formatGate { videos[index] = rendered.videos[index] }
                video = rendered
            } else if phase.rendersVideo, let videoPolicy {
                let kept = parsed.indices.filter { parsed[$0].followsFormat || !parameters.formatGate }
                let rendered = try videoPolicy.render(captions: kept.map { parsed[$0].answer }, sample: sample,
                                                      steps: parameters.renderSteps, seed: Self.mix(seed, 1))
                for (position, index) in kept.enumerated() { videos[index] = rendered[position] }
            }
            rewardSamples = zip(rollout.texts, videos).map { RewardSample(completion: $0, video: $1) }
            statistics.add("thinking_length", parsed.map { Double(($0.reasoning ?? "").split(whereSeparator: \.isWhitespace).count) })
            statistics.add("completion_tokens", rollout.tokens.map { Double($0.count) })
            text = rollout
        } else if let videoPolicy {
            // Rollout (VDM): G SDE videos of one caption (the anchor in stage 2, the ground truth in the VDM-only row).
            let caption = phase.captions == .anchor ? (anchor ?? sample.groundTruthCaption) : sample.groundTruthCaption
            let rendered = try videoPolicy.rollout(captions: Array(repeating: caption, count: group), sample: sample,
                                                   steps: parameters.sdeSteps, guidance: parameters.trainingGuidance, seed: seed,
                                                   sharedNoise: parameters.sharedNoiseInStageTwo)
            rewardSamples = rendered.videos.map { RewardSample(video: $0) }
            video = rendered
            captions = nil
        } else {
            throw TrainingError.invalidOption(name: "vdm", reason: "the \(phase.name) phase needs a VDM")
        }

        // Rewards: each component z-scored within the group and summed with λ (decision 6).
        let shared = embedder.map { ReusedEmbeddings($0) }
        let combination = try phase.rewardCombination(embedder: shared, format: format, captions: captions, epsilon: parameters.rewardEpsilon,
                                                       formatGate: parameters.formatGate)
        let rewards = try combination.evaluate(RewardGroup(samples: rewardSamples, groundTruthCaption: sample.groundTruthCaption,
                                                           groundTruthVideo: sample.groundTruthVideo, anchorCaption: anchor ?? sample.groundTruthCaption))
        var rawTotal = 0.0
        for component in GRPORewardComponent.allCases {
            guard let weight = phase.weight(component),
                  let raw = rewards.raw[GRPORewardNames.componentName(component, phase: phase)] else { continue }
            statistics.add(GRPORewardNames.logName(component, phase: phase), raw)
            rawTotal += weight * raw.reduce(0, +) / Double(raw.count)
        }
        statistics.add(phase.trains == .vdm ? "r2_total" : "r1_total", [rawTotal])

        // Advantages (Eq. 1): population σ + ε; a group whose rewards are all equal carries no signal.
        let (advantages, informative) = GroupAdvantages(deviation: parameters.advantageDeviation, epsilon: parameters.advantageEpsilon)(rewards.total)
        statistics.add("advantage", advantages)
        statistics.add("informative_groups", [informative ? 1 : 0])
        guard informative else { return }
        let share = Float(parameters.promptsPerStep)

        // Loss (VLM): TRL's token GRPO on teacher-forced log-probs, k3 KL against the adapter-disabled policy.
        if let text, let textPolicy, phase.trains != .vdm {
            let (tokens, mask) = TextRollout.padded(text.tokens)
            let reference = parameters.vlmBeta == 0 ? nil
                : try textPolicy.referenceLogProbabilities(sample, completions: text.tokens, temperature: parameters.temperature)
            let loss = TokenGRPOLoss(epsilonLow: parameters.vlmClip, epsilonHigh: parameters.vlmClip, beta: parameters.vlmBeta,
                                     reduction: parameters.vlmLossReduction, temperature: parameters.temperature,
                                     maximumCompletionLength: maximumNewTokens)
            let batch = TokenGRPOLoss.Batch(completions: tokens, mask: mask, advantages: Tensor(advantages.map(Float.init), shape: [group]),
                                            referenceLogProbabilities: reference)
            var output: TokenGRPOLoss.Output?
            let (_, vlmGradients) = try Gradients.valueAndGradient(of: textPolicy.trainableModule) {
                let result = try loss(logProbabilities: try textPolicy.logProbabilities(sample, completions: text.tokens,
                                                                                        temperature: parameters.temperature), batch: batch)
                output = result
                return result.loss / share
            }
            Self.accumulate(vlmGradients, prefix: "vlm", into: &gradients)
            if let output {
                statistics.add("vlm_loss", [Double(output.loss.item)])
                statistics.add("vlm_kl", [Double(output.meanKL)])
                statistics.add("vlm_clip_fraction", [Double(output.lowClipFraction + output.highClipFraction)])
                // How far the teacher-forced log-probs are from the rollout's (float rounding only when on-policy).
                let rolled = text.logProbabilities.flatMap { $0 + Array(repeating: 0, count: tokens.shape[1] - $0.count) }
                let gap = zip(output.logProbabilities.contiguous().scalars, rolled).map { abs(Double($0 - $1)) }.max() ?? 0
                statistics.add("vlm_rollout_logprob_gap", [gap])
            }
        }

        // Loss (VDM): flow_grpo's step loss on every trained transition, gradients averaged over them.
        if let video, let videoPolicy, phase.trains != .vlm {
            let loss = FlowGRPOLoss(clipRange: parameters.vdmClip, beta: parameters.vdmBeta, advantageClip: parameters.vdmAdvantageClip)
            let transitions = min(parameters.trainedTransitions, video.schedule.steps)
            let advantageTensor = Tensor(advantages.map(Float.init), shape: [advantages.count])
            for index in 0..<transitions {
                let reference = parameters.vdmBeta == 0 ? nil : try videoPolicy.referenceVelocity(video, step: index)
                var output: FlowGRPOLoss.Output?
                let (_, vdmGradients) = try Gradients.valueAndGradient(of: videoPolicy.trainableModule) {
                    let result = try loss(velocity: try videoPolicy.velocity(video, step: index), referenceVelocity: reference,
                                          sample: video.latents[index], next: video.latents[index + 1], schedule: video.schedule,
                                          index: index, oldLogProbabilities: video.logProbabilities[index], advantages: advantageTensor)
                    output = result
                    return result.loss / (share * Float(transitions))
                }
                Self.accumulate(vdmGradients, prefix: "vdm", into: &gradients)
                if let output {
                    statistics.add("vdm_loss", [Double(output.loss.item)])
                    statistics.add("vdm_kl", [Double(output.kl)])
                    statistics.add("vdm_clip_fraction", [Double(output.clipFraction)])
                    statistics.add("vdm_approx_kl", [Double(output.approximateKL)])
                }
            }
        }
    }

    static func accumulate(_ new: [String: Tensor], prefix: String, into gradients: inout [String: Tensor]) {
        for (key, value) in new {
            let name = "\(prefix).\(key)"
            gradients[name] = gradients[name].map { $0 + value } ?? value
        }
    }

    /// The samples a phase draws from: all of them, or (stage 2) those whose anchor passed the ROUGE-L filter.
    func pool(phase: GRPOPhase, index: Int, run: TrainingRun) throws -> (indices: [Int], anchors: [String: String], dropped: Int) {
        guard phase.captions == .anchor, let textPolicy else { return (Array(samples.indices), [:], 0) }
        let file = run.directory.appendingPathComponent("anchors-phase\(index).json")
        var anchors: [String: String]
        if let data = FileManager.default.contents(atPath: file.path) {
            do { anchors = try JSONDecoder().decode([String: String].self, from: data) } catch {
                throw TrainingError.checkpoint(path: file.path, reason: "not a JSON object of sample id → anchor caption (\(error))")
            }
        } else {
            anchors = try AnchorCaptions.generate(samples: samples, policy: textPolicy, format: format, threshold: parameters.anchorThreshold,
                                                  retries: parameters.anchorRetries, maximumTokens: maximumNewTokens,
                                                  seed: Self.mix(parameters.seed, 0xA4C, UInt64(index)))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(anchors), to: file)
        }
        let indices = samples.indices.filter { anchors[samples[$0].id] != nil }
        guard !indices.isEmpty else {
            throw TrainingError.data("no anchor caption reached ROUGE-L ≥ \(parameters.anchorThreshold) against its ground truth; nothing to train the VDM on")
        }
        return (indices, anchors, samples.count - indices.count)
    }

    /// SplitMix64 over the values: seeds that are pure functions of (run seed, step, slot, purpose).
    static func mix(_ values: UInt64...) -> UInt64 {
        var state: UInt64 = 0x243F6A8885A308D3
        for value in values {
            state = state &+ value &+ 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            state = z ^ (z >> 31)
        }
        return state
    }
}

/// Per-step values accumulated over a step's groups; logged as means (advantages also as std and |max|).
struct StepStatistics {
    var series: [String: [Double]] = [:]

    mutating func add(_ name: String, _ values: [Double]) { series[name, default: []] += values }

    func values() -> [String: Double] {
        var result: [String: Double] = [:]
        for (name, values) in series where !values.isEmpty {
            let mean = values.reduce(0, +) / Double(values.count)
            if name == "advantage" {
                result["advantage_mean"] = mean
                result["advantage_std"] = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
                result["advantage_abs_max"] = values.map(abs).max() ?? 0
            } else if name == "vlm_rollout_logprob_gap" {
                result[name] = values.max() ?? 0
            } else {
                result[name] = mean
            }
        }
        return result
    }
}
