// Mirrors the denoising loop of diffusers' `WanPipeline.__call__` (pipelines/wan/pipeline_wan.py): one model
// call per step for the prompt and, when guidance > 1, one for the negative prompt, combined as
// v = v_u + g·(v_c − v_u), then the scheduler step; VANS's reference latents ride along unchanged.
import Foundation
import Support
import Tensor

/// Which update rule walks the schedule.
public enum WanSamplerKind: String, Sendable, CaseIterable {
    case uniPC = "unipc", euler, sde
}

/// Settings of one sampling run.
public struct WanSamplingParameters: Sendable {
    public var steps = 50
    /// Classifier-free guidance scale g; guidance is off at g ≤ 1 (as diffusers' `do_classifier_free_guidance`).
    public var guidance: Float = 5
    public var scheduler: WanSchedulerConfiguration = .uniPC(.init())
    /// For `sde`: the Flow-GRPO step on the scheduler's sigmas, with its noise level.
    public var stochastic = false
    public var noiseLevel: FlowGRPONoiseLevel = .wan

    public init(steps: Int = 50, guidance: Float = 5, scheduler: WanSchedulerConfiguration = .uniPC(.init()), stochastic: Bool = false) {
        self.steps = steps
        self.guidance = guidance
        self.scheduler = scheduler
        self.stochastic = stochastic
    }

    /// The schedule the scheduler config gives for `steps`.
    public var schedule: FlowMatchSchedule {
        switch scheduler {
        case .uniPC(let settings): return .uniPC(steps: steps, shift: settings.shift, trainTimesteps: settings.trainTimesteps)
        case .euler(let settings): return .euler(steps: steps, shift: settings.shift, trainTimesteps: settings.trainTimesteps)
        }
    }
}

/// What the SDE sampler recorded at each step (for Flow-GRPO's old log-probabilities).
public struct WanSamplingTrace {
    public var samples: [Tensor] = []
    public var logProbabilities: [Tensor] = []
}

public enum WanDenoising {
    /// The guided velocity at one step.
    public static func velocity(model: WanTransformer3DModel, latents: Tensor, timestep: Float, context: Tensor,
                                negativeContext: Tensor?, guidance: Float, references: Tensor? = nil) throws(WanError) -> Tensor {
        let batch = latents.shape[0]
        let timesteps = Array(repeating: timestep, count: batch)
        let conditional = try model(latents, timesteps: timesteps, context: context, references: references)
        guard guidance > 1 else { return conditional }
        guard let negativeContext else {
            throw .invalidInput(name: "negative_prompt_embeds", reason: "guidance \(guidance) > 1 needs a negative prompt")
        }
        let unconditional = try model(latents, timesteps: timesteps, context: negativeContext, references: references)
        return unconditional + (conditional - unconditional) * guidance
    }

    /// Runs the whole loop from `latents` (the initial noise) and returns the final latents, as
    /// `WanPipeline(..., output_type="latent")` does, with the SDE sampler's per-step samples and log-probabilities
    /// (empty for UniPC and Euler). `generator` draws the SDE noise; `progress` sees each finished step.
    public static func sample(model: WanTransformer3DModel, latents: Tensor, context: Tensor, negativeContext: Tensor?,
                              parameters: WanSamplingParameters, references: Tensor? = nil,
                              generator: inout RandomGenerator,
                              progress: ((Int, Int) -> Void)? = nil) throws(WanError) -> (latents: Tensor, trace: WanSamplingTrace) {
        var trace = WanSamplingTrace()
        guard parameters.steps > 0 else { throw .invalidInput(name: "steps", reason: "must be positive, got \(parameters.steps)") }
        let schedule = parameters.schedule
        var sampler: any FlowMatchSampler
        switch parameters.scheduler {
        case .uniPC(let settings): sampler = UniPCSampler(schedule: schedule, settings: settings)
        case .euler: sampler = EulerSampler(schedule: schedule)
        }
        var current = latents.converted(to: .float32)
        for (index, timestep) in schedule.timesteps.enumerated() {
            let velocity: Tensor
            do {
                velocity = try Autograd.withoutGradient {
                    try Self.velocity(model: model, latents: current, timestep: timestep, context: context,
                                      negativeContext: negativeContext, guidance: parameters.guidance, references: references)
                }
            } catch let error as WanError {
                throw error
            } catch {
                throw .invalidInput(name: "latents", reason: "\(error)")
            }
            if parameters.stochastic {
                let result = try FlowGRPOStep.step(velocity: velocity, sample: current, schedule: schedule, index: index,
                                                   generator: &generator, noiseLevel: parameters.noiseLevel)
                current = result.sample
                trace.samples.append(current)
                trace.logProbabilities.append(result.logProbability)
            } else {
                current = sampler.step(velocity: velocity, sample: current)
            }
            progress?(index + 1, schedule.steps)
        }
        return (current, trace)
    }
}
