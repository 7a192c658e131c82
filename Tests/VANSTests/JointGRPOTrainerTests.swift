// The Joint-GRPO machinery on tiny random models: one step of each stage trains only the adapters, the on-policy
// ratio is 1 before an update, the reference (adapters off) is the starting model, runs resume exactly (stage 1 and
// stage 2), and the rows of Table 2 differ only in their configuration.
import Foundation
import NN
import Tensor
import Testing
import Wan
@testable import VANS

@Suite(.serialized) struct JointGRPOTrainerTests {
    /// The trainable and frozen tensors of a module, copied.
    static func snapshot(_ module: Module) -> (adapters: [String: [Float]], base: [String: [Float]]) {
        var adapters: [String: [Float]] = [:], base: [String: [Float]] = [:]
        for (key, value) in module.parameters() {
            let values = value.converted(to: .float32).contiguous().scalars
            if key.contains("lora_") { adapters[key] = values } else { base[key] = values }
        }
        return (adapters, base)
    }

    static func trainer(_ parameters: GRPOParameters, directory: URL, samples: [GRPOSample]) throws
        -> (JointGRPOTrainer, QwenVLTextPolicy?, WanVideoPolicy?) {
        let phases = parameters.row.phases
        let trainsVLM = phases.contains { $0.trains != .vdm }, needsVLM = trainsVLM || phases.contains { $0.captions == .anchor }
        let trainsVDM = phases.contains { $0.trains != .vlm }, needsVDM = trainsVDM || phases.contains(where: \.rendersVideo)
        let text = needsVLM ? try QwenVLTextPolicy(directory: directory.appendingPathComponent("vlm"),
                                                   lora: trainsVLM ? (parameters.vlmLoRARank, parameters.vlmLoRAAlpha) : nil, seed: 1) : nil
        let video = needsVDM ? try WanVideoPolicy(directory: directory.appendingPathComponent("vdm"),
                                                  lora: trainsVDM ? (4, 8) : nil, seed: 2) : nil
        let trainer = JointGRPOTrainer(parameters: parameters, samples: samples, textPolicy: text, videoPolicy: video,
                                       embedder: ColourEmbedder(), maximumNewTokens: text?.profile.maximumNewTokens ?? 6)
        return (trainer, text, video)
    }

    static func models() throws -> (directory: URL, samples: [GRPOSample]) {
        let directory = try GRPOTestModels.temporaryDirectory("models")
        _ = try GRPOTestModels.vlmDirectory(in: directory)
        _ = try GRPOTestModels.vdmDirectory(in: directory)
        return (directory, try GRPOTestModels.samples(in: directory))
    }

    // One stage-1 step moves the VLM's adapters and nothing else: the VLM's base weights and the frozen VDM are untouched.
    @Test func stageOneStepTrainsOnlyTheVLMAdapters() throws {
        let (directory, samples) = try Self.models()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (trainer, text, video) = try Self.trainer(try GRPOTestModels.parameters(row: "stage1", steps: 1), directory: directory, samples: samples)
        let text0 = Self.snapshot(try #require(text).model), video0 = Self.snapshot(try #require(video).transformer)
        let log = try trainer.train(directory: directory.appendingPathComponent("run"), resume: false)
        let text1 = Self.snapshot(text!.model), video1 = Self.snapshot(video!.transformer)
        #expect(text1.base == text0.base && video1.base == video0.base && video1.adapters == video0.adapters)
        #expect(text1.adapters != text0.adapters)
        let entry = try #require(log.first)
        for key in ["r_f", "r_t1", "r_v1", "r1_total", "thinking_length", "vlm_kl", "vlm_clip_fraction", "advantage_std", "grad_norm", "step_seconds"] {
            #expect(entry[key] != nil, "log lacks \(key)")
        }
        #expect(entry["informative_groups"] == 1)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("run/figure9.svg").path))
    }

    // One stage-2 step moves the DiT's adapters and nothing else (the anchor VLM is frozen); anchors are recorded.
    @Test func stageTwoStepTrainsOnlyTheVDMAdapters() throws {
        let (directory, samples) = try Self.models()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (trainer, text, video) = try Self.trainer(try GRPOTestModels.parameters(row: "stage2", steps: 1), directory: directory, samples: samples)
        #expect(text?.isTrainable == false)
        let text0 = Self.snapshot(try #require(text).model), video0 = Self.snapshot(try #require(video).transformer)
        let log = try trainer.train(directory: directory.appendingPathComponent("run"), resume: false)
        let text1 = Self.snapshot(text!.model), video1 = Self.snapshot(video!.transformer)
        #expect(text1.base == text0.base && video1.base == video0.base)
        #expect(video1.adapters != video0.adapters)
        let entry = try #require(log.first)
        for key in ["r_v2", "r_c2", "r2_total", "vdm_kl", "vdm_clip_fraction", "anchors_kept"] { #expect(entry[key] != nil, "log lacks \(key)") }
        // Before the update the policy is the rollout policy: every trained step's ratio is exactly 1.
        #expect(entry["vdm_clip_fraction"] == 0 && entry["vdm_approx_kl"] == 0)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("run/anchors-phase0.json").path))
    }

    // The all-in-one row trains both models in one step on the joint reward (format, ROUGE-L, CLIP-V, CLIPScore).
    @Test func allInOneStepTrainsBothAdapters() throws {
        let (directory, samples) = try Self.models()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (trainer, text, video) = try Self.trainer(try GRPOTestModels.parameters(row: "all-in-one", steps: 1), directory: directory, samples: samples)
        let text0 = Self.snapshot(try #require(text).model), video0 = Self.snapshot(try #require(video).transformer)
        let log = try trainer.train(directory: directory.appendingPathComponent("run"), resume: false)
        let text1 = Self.snapshot(text!.model), video1 = Self.snapshot(video!.transformer)
        #expect(text1.base == text0.base && video1.base == video0.base)
        #expect(text1.adapters != text0.adapters && video1.adapters != video0.adapters)
        let entry = try #require(log.first)
        for key in ["r_f", "r_t1", "r_v1", "r_c2", "r1_total", "vlm_loss", "vdm_loss"] { #expect(entry[key] != nil, "log lacks \(key)") }
    }

    // On-policy: the VLM's teacher-forced log-probs reproduce the rollout's (float rounding only), and the VDM's
    // recomputed step log-probs equal the recorded ones bit for bit, so the ratio is exactly 1 before an update.
    @Test func onPolicyRatioIsOneBeforeTheUpdate() throws {
        let (directory, samples) = try Self.models()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try QwenVLTextPolicy(directory: directory.appendingPathComponent("vlm"), lora: (8, 32), seed: 1)
        let rollout = try text.sample(samples[0], count: 3, temperature: 1, topP: 1, maximumTokens: 6, seed: 4)
        let recomputed = try text.logProbabilities(samples[0], completions: rollout.tokens, temperature: 1)
        let width = recomputed.shape[1]
        for (row, values) in rollout.logProbabilities.enumerated() {
            let again = Array(recomputed.sliced(axis: 0, start: row, end: row + 1).contiguous().scalars.prefix(values.count))
            #expect(zip(again, values).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "row \(row) of \(width)")
        }
        // The scoring path (vision once, [T, V] slices) equals the full teacher-forced logits path.
        let fromLogits = try text.logProbabilitiesFromLogits(samples[0], completions: rollout.tokens, temperature: 1).scalars
        #expect(zip(recomputed.scalars, fromLogits).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        let video = try WanVideoPolicy(directory: directory.appendingPathComponent("vdm"), lora: (4, 8), seed: 2)
        let videoRollout = try video.rollout(captions: ["a red ball rolls", "a block falls"], sample: samples[0], steps: 3, guidance: 2,
                                             seed: 9, sharedNoise: false)
        for index in 0..<videoRollout.schedule.steps {
            let step = try FlowGRPOStep.step(velocity: try video.velocity(videoRollout, step: index), sample: videoRollout.latents[index],
                                             schedule: videoRollout.schedule, index: index, given: videoRollout.latents[index + 1])
            #expect(step.logProbability.scalars == videoRollout.logProbabilities[index].scalars)
        }
    }

    // With the adapters moved away from zero, "adapters off" still computes exactly the starting model (a fresh load
    // without adapters), for the VLM's log-probs and the DiT's velocity; "adapters on" differs.
    @Test func referenceIsTheStartingModel() throws {
        let (directory, samples) = try Self.models()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try QwenVLTextPolicy(directory: directory.appendingPathComponent("vlm"), lora: (8, 32), seed: 1)
        let base = try QwenVLTextPolicy(directory: directory.appendingPathComponent("vlm"), lora: nil)
        var generator = RandomGenerator(seed: 3)
        for (_, layer) in try #require(text.adapters).layers { layer.adapterUp = generator.uniform(layer.adapterUp.shape, low: -0.05, high: 0.05) }
        let completions = [[5, 9, 14], [7, 3]]
        let reference = try text.referenceLogProbabilities(samples[0], completions: completions, temperature: 1).scalars
        #expect(reference == (try base.logProbabilities(samples[0], completions: completions, temperature: 1).scalars))
        #expect(reference != (try text.logProbabilities(samples[0], completions: completions, temperature: 1).scalars))

        let video = try WanVideoPolicy(directory: directory.appendingPathComponent("vdm"), lora: (4, 8), seed: 2)
        let frozen = try WanVideoPolicy(directory: directory.appendingPathComponent("vdm"), lora: nil)
        for (_, layer) in try #require(video.adapters).layers { layer.adapterUp = generator.uniform(layer.adapterUp.shape, low: -0.05, high: 0.05) }
        let rollout = try frozen.rollout(captions: ["a ball"], sample: samples[0], steps: 3, guidance: 2, seed: 1, sharedNoise: true)
        let referenceVelocity = try video.referenceVelocity(rollout, step: 1).scalars
        #expect(referenceVelocity == (try frozen.velocity(rollout, step: 1).scalars))
        #expect(referenceVelocity != (try video.velocity(rollout, step: 1).scalars))
    }

    /// The log without wall-clock values.
    static func comparable(_ log: [[String: Double]]) -> [[String: Double]] {
        log.map { $0.filter { $0.key != "step_seconds" } }
    }

    /// Trains `row` for 2 steps straight and as 1 step + resume (fresh models each time, as after a kill).
    static func resumeLogs(row: String) throws -> (straight: [[String: Double]], resumed: [[String: Double]]) {
        let (directory, samples) = try models()
        defer { try? FileManager.default.removeItem(at: directory) }
        let parameters = try GRPOTestModels.parameters(row: row, steps: 2)
        let straight = try trainer(parameters, directory: directory, samples: samples).0
            .train(directory: directory.appendingPathComponent("straight"), resume: false)
        _ = try trainer(parameters, directory: directory, samples: samples).0
            .train(directory: directory.appendingPathComponent("interrupted"), resume: false, stopAfter: 1)
        let resumed = try trainer(parameters, directory: directory, samples: samples).0
            .train(directory: directory.appendingPathComponent("interrupted"), resume: true)
        return (comparable(straight), comparable(resumed))
    }

    // 2 steps per phase straight and 1 step + resume give the same log lines (wall-clock time aside): stage 1 (VLM
    // adapters and moments), stage 2 (the DiT's, and the anchors), and stage 1 + 2 resumed before the phase change
    // (the anchors then come from the restored stage-1 VLM).
    @Test(arguments: ["stage1", "stage2", "stage1+2"]) func resumesExactly(row: String) throws {
        let (straight, resumed) = try Self.resumeLogs(row: row)
        #expect(straight.count == 2 * (try GRPORow.named(row)).phases.count && resumed == straight)
    }

    // The rows are one trainer's configurations: names are unique, and each ablation is its parent row minus one
    // reward component (or the two isolated rows chained, or one joint phase training both models).
    @Test func rowsDifferOnlyInTheirConfiguration() throws {
        let rows = Dictionary(uniqueKeysWithValues: GRPORow.all.map { ($0.name, $0) })
        #expect(rows.count == GRPORow.all.count && rows.count == 11)
        func phase(_ name: String, _ index: Int = 0) throws -> GRPOPhase { try #require(rows[name]).phases[index] }
        var withoutText = try phase("stage1"); withoutText.rewards["r_t1"] = nil
        #expect(try phase("stage1-no-rt1") == withoutText)
        var withoutVideo = try phase("stage1"); withoutVideo.rewards["r_v"] = nil
        #expect(try phase("stage1-no-rv1") == withoutVideo)
        var withoutCaption = try phase("stage2"); withoutCaption.rewards["r_c"] = nil
        #expect(try phase("stage2-no-rc2") == withoutCaption)
        var withoutVideoTwo = try phase("stage2"); withoutVideoTwo.rewards["r_v"] = nil
        #expect(try phase("stage2-no-rv2") == withoutVideoTwo)
        #expect(rows["stage1+2"]?.phases == [try phase("stage1"), try phase("stage2")])
        #expect(rows["grpo-cascade"]?.phases == [try phase("grpo-vlm"), try phase("grpo-vdm")])
        #expect(try phase("all-in-one").trains == .both && phase("stage1").trains == .vlm && phase("stage2").trains == .vdm)
        #expect(try phase("stage2").captions == .anchor && phase("grpo-vdm").captions == .groundTruth)
        var parameters = GRPOParameters(row: try #require(rows["stage1+2"]))
        #expect(parameters.totalSteps == 1800 && parameters.phase(ofStep: 801).phase.name == "stage2" && parameters.phase(ofStep: 801).localStep == 1)
        parameters.groupSize = 1
        #expect(throws: TrainingError.self) { try parameters.validate() }
        #expect(throws: TrainingError.self) { try GRPORow.named("stage3") }
    }
}
