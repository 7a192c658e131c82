// Sampling parity with diffusers (scripts/fixtures/wan_sampling.py): schedules, whole WanPipeline runs
// (UniPC and Euler, with and without CFG) and flow_grpo's SDE step with log-probabilities.
import Foundation
import Tensor
import Testing
@testable import Wan

@Suite("Wan sampling")
struct WanSamplingTests {
    struct Schedule: Decodable {
        var steps: Int
        var shift: Double
        var unipc_sigmas: [Float]
        var unipc_timesteps: [Float]
        var euler_sigmas: [Float]
        var euler_timesteps: [Float]
    }

    struct Run: Decodable {
        var name: String
        var scheduler: String
        var steps: Int
        var guidance: Float
        var shift: Double?
    }

    // Sigmas and (integer UniPC, fractional Euler) timesteps equal diffusers' for several step counts and shifts.
    @Test func schedulesMatchDiffusers() throws {
        let schedules = try JSONDecoder().decode([Schedule].self, from: Data(contentsOf: WanFixtures.url("wan_sampling/schedules.json")))
        for expected in schedules {
            let uniPC = FlowMatchSchedule.uniPC(steps: expected.steps, shift: expected.shift)
            #expect(uniPC.sigmas == expected.unipc_sigmas, "unipc \(expected.steps) \(expected.shift)")
            #expect(uniPC.timesteps == expected.unipc_timesteps, "unipc \(expected.steps) \(expected.shift)")
            let euler = FlowMatchSchedule.euler(steps: expected.steps, shift: expected.shift)
            for (actual, reference) in zip(euler.sigmas + euler.timesteps, expected.euler_sigmas + expected.euler_timesteps) {
                #expect(abs(actual - reference) <= 1e-6 * max(1, abs(reference)), "euler \(expected.steps) \(expected.shift)")
            }
            #expect(euler.sigmas.count == expected.euler_sigmas.count && euler.timesteps.count == expected.euler_timesteps.count)
        }
    }

    // Whole sampling runs from the same noise and prompt embeddings equal WanPipeline's latents within 1e-4.
    @Test func wholeRunsMatchWanPipeline() throws {
        let runs = try JSONDecoder().decode([Run].self, from: Data(contentsOf: WanFixtures.url("wan_sampling/runs.json")))
        let tensors = try WanFixtures.tensors("wan_sampling/runs.safetensors")
        let index = try WanPipelineIndex(directory: WanFixtures.url("wan_sampling/pipeline"))
        let model = try WanTransformer3DModel.load(directory: index.url(of: "transformer"))
        let directoryScheduler = try WanSchedulerConfiguration.load(from: index.url(of: "scheduler"))
        for run in runs {
            var scheduler = directoryScheduler
            if run.scheduler == "euler" {
                scheduler = .euler(.init(shift: run.shift ?? 1))
            } else if let shift = run.shift, case .uniPC(var settings) = scheduler {
                settings.shift = shift
                scheduler = .uniPC(settings)
            }
            var generator = RandomGenerator(seed: 0)
            let (latents, _) = try WanDenoising.sample(model: model, latents: tensors["latents"]!, context: tensors["prompt_embeds"]!,
                                                       negativeContext: tensors["negative_prompt_embeds"]!,
                                                       parameters: .init(steps: run.steps, guidance: run.guidance, scheduler: scheduler),
                                                       generator: &generator)
            let expected = try #require(tensors[run.name])
            #expect(WanFixtures.relativeError(latents, expected) < 1e-4, "\(run.name)")
        }
    }

    // The SDE step's sample, mean, std and mean-over-elements log-probability equal flow_grpo's (1e-5), for
    // injected noise, a given sample, and the deterministic mode.
    @Test func sdeStepMatchesFlowGRPO() throws {
        let tensors = try WanFixtures.tensors("wan_sampling/sde.safetensors")
        let schedule = FlowMatchSchedule.uniPC(steps: 20, shift: 3)
        #expect(schedule.sigmas == tensors["sigmas"]!.scalars)
        for step in [0, 7, 18] {
            let sample = tensors["\(step).sample"]!, velocity = tensors["\(step).velocity"]!
            for mode in ["noise", "given", "deterministic"] {
                let result = try FlowGRPOStep.step(velocity: velocity, sample: sample, schedule: schedule, index: step,
                                                   noise: mode == "given" ? nil : tensors["\(step).noise"]!,
                                                   given: mode == "given" ? tensors["\(step).given"]! : nil,
                                                   deterministic: mode == "deterministic")
                let prefix = "\(step).\(mode)."
                #expect(WanFixtures.relativeError(result.logProbability, tensors[prefix + "log_prob"]!) < 1e-5, "\(prefix)")
                #expect(WanFixtures.relativeError(result.sample, tensors[prefix + "prev_sample"]!) < 1e-5, "\(prefix)")
                #expect(WanFixtures.relativeError(result.mean, tensors[prefix + "mean"]!) < 1e-5, "\(prefix)")
                #expect(abs(result.standardDeviation - tensors[prefix + "std"]!.item) <= 1e-6 * tensors[prefix + "std"]!.item)
            }
        }
    }

    // The log-probability is differentiable in the velocity: its gradient matches a central finite difference.
    @Test func sdeLogProbabilityGradient() throws {
        var generator = RandomGenerator(seed: 11)
        let sample = generator.normal([1, 2, 3]), velocity = generator.normal([1, 2, 3]), given = generator.normal([1, 2, 3])
        let schedule = FlowMatchSchedule.uniPC(steps: 10, shift: 3)
        func logProbability(_ v: Tensor) throws -> Tensor {
            try FlowGRPOStep.step(velocity: v, sample: sample, schedule: schedule, index: 4, given: given).logProbability.sum()
        }
        let (_, gradients) = try Autograd.valueAndGradient(at: ["v": velocity]) { try logProbability($0["v"]!) }
        let values = velocity.scalars
        for i in 0..<values.count {
            var plus = values, minus = values
            plus[i] += 1e-2
            minus[i] -= 1e-2
            let numeric = (try logProbability(Tensor(plus, shape: velocity.shape)).item - logProbability(Tensor(minus, shape: velocity.shape)).item) / 2e-2
            #expect(abs(gradients["v"]!.scalars[i] - numeric) <= 1e-2 * max(1, abs(numeric)))
        }
    }

    // Unsupported scheduler options are refused by key; null components of model_index.json need no folder.
    @Test func schedulerConfigurationsAreChecked() throws {
        #expect(throws: WanError.self) { try WanSchedulerConfiguration.parse(["_class_name": "UniPCMultistepScheduler", "use_flow_sigmas": false], file: "f") }
        #expect(throws: WanError.unsupportedScheduler(file: "f", key: "use_karras_sigmas", reason: "is not supported by the Wan samplers")) {
            try WanSchedulerConfiguration.parse(["_class_name": "FlowMatchEulerDiscreteScheduler", "use_karras_sigmas": true], file: "f")
        }
        #expect(throws: WanError.self) { try WanSchedulerConfiguration.parse(["_class_name": "DDIMScheduler"], file: "f") }
        let json = #"{"_class_name": "UniPCMultistepScheduler", "use_flow_sigmas": true, "prediction_type": "flow_prediction", "flow_shift": 1.0, "solver_order": 1}"#
        let parsed = try WanSchedulerConfiguration.parse(try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]), file: "f")
        guard case .uniPC(let settings) = parsed else { Issue.record("expected UniPC"); return }
        #expect(settings.shift == 1 && settings.solverOrder == 1 && settings.solverType == "bh2")
        let index = try WanPipelineIndex(directory: WanFixtures.url("wan_sampling/pipeline"))
        #expect(index.components["vae"] == nil && index.components["transformer"] == "WanTransformer3DModel")
        #expect(throws: WanError.self) { try WanPipelineIndex(directory: WanFixtures.url("wan_sampling/pipeline"), requiring: ["vae"]) }
    }
}
