// VDM pretraining and SFT on a tiny in-memory VANS-Synth set: each objective decreases over a few steps, SFT
// changes only the DiT blocks, and a run interrupted between steps and resumed from its checkpoint logs exactly
// what the uninterrupted run logs (in-process interruption; the CLI's kill -9 path is the same code after exit).
import Foundation
import NN
import Tensor
import Testing
import Wan
@testable import VANS

@Suite("VDM training", .serialized)
struct VDMTrainingTests {
    /// Mean flow-matching loss of `model` on `latents` at fixed timesteps and noise (an evaluation, not a step).
    static func evaluation(_ model: WanTransformer3DModel, latents: [Tensor], contexts: [Tensor], references: [Tensor?]) throws -> Float {
        let objective = WanFlowMatchingLoss(shift: 5)
        var generator = RandomGenerator(seed: 99)
        var total: Float = 0
        try Autograd.withoutGradient {
            for index in latents.indices {
                for grid in [100, 400, 700, 900] {
                    total += try objective.loss(model: model, clean: latents[index], noise: generator.normal(latents[index].shape),
                                                at: objective.timestep(at: grid), context: contexts[index],
                                                references: references[index]).item
                }
            }
        }
        return total / Float(latents.count * 4)
    }

    // The VAE's L1 + β·KL loss falls while it overfits one window of one clip.
    @Test func vaeLossDecreases() throws {
        var data = try VDMTestSupport.data(scenes: 1, size: 32)
        data.samples = [data.samples[0]]
        data.inputs = [:]
        let (_, vae, _, _) = try VDMTestSupport.models(vocabularySize: 64)
        var parameters = VAEPretraining.Parameters()
        parameters.steps = 6; parameters.batch = 1; parameters.warmupSteps = 0; parameters.saveEvery = 100; parameters.windowFrames = 5
        let run = try TrainingRun(directory: try VDMTestSupport.temporaryDirectory("vae"), configuration: parameters, resume: false)
        try VAEPretraining.train(model: vae, data: data, parameters: parameters, run: run)
        let losses = try run.logEntries().compactMap { $0["loss"] }
        #expect(losses.count == 6)
        let first: Double = losses.prefix(2).reduce(0, +), last: Double = losses.suffix(2).reduce(0, +)
        #expect(last < 0.8 * first, "\(losses)")
    }

    // Text-to-video pretraining lowers the flow-matching loss at fixed timesteps and noise on its training clips.
    @Test func textToVideoLossDecreases() throws {
        var data = try VDMTestSupport.data(scenes: 1, size: 32)
        data.samples = Array(data.samples.prefix(2))
        let tokenizer = try VDMTestSupport.tokenizer(texts: data.texts)
        let (_, vae, text, transformer) = try VDMTestSupport.models(vocabularySize: tokenizer.vocabularySize)
        let latents = try TextToVideoPretraining.latents(of: data, vae: vae)
        let prompts = PromptEmbeddingCache(encoder: text, tokenizer: tokenizer)
        let contexts = try data.samples.map { try prompts.embedding($0.caption) }
        let before = try Self.evaluation(transformer, latents: latents, contexts: contexts, references: [nil, nil])
        var parameters = TextToVideoPretraining.Parameters()
        parameters.steps = 12; parameters.batch = 2; parameters.learningRate = 2e-3; parameters.warmupSteps = 0
        parameters.captionDropout = 0; parameters.saveEvery = 100
        let run = try TrainingRun(directory: try VDMTestSupport.temporaryDirectory("t2v"), configuration: parameters, resume: false)
        try TextToVideoPretraining.train(model: transformer, data: data, latents: latents, prompts: prompts, parameters: parameters, run: run)
        let after = try Self.evaluation(transformer, latents: latents, contexts: contexts, references: [nil, nil])
        #expect(after < 0.9 * before, "\(before) → \(after)")
    }

    /// A fresh SFT setup: data, base models (same seeds every call), latents, references, prompts.
    static func sftSetup() throws -> (VDMTrainingData, WanTransformer3DModel, [Tensor], [Tensor], PromptEmbeddingCache) {
        var data = try VDMTestSupport.data(scenes: 2, size: 32)
        data.samples = Array(data.samples.prefix(3))
        let tokenizer = try VDMTestSupport.tokenizer(texts: data.texts)
        let (_, vae, text, transformer) = try VDMTestSupport.models(vocabularySize: tokenizer.vocabularySize)
        let latents = try TextToVideoPretraining.latents(of: data, vae: vae)
        let references = try VDMFineTuning.referenceLatents(of: data, vae: vae, count: 6)
        return (data, transformer, latents, references, PromptEmbeddingCache(encoder: text, tokenizer: tokenizer))
    }

    // SFT with reference latents lowers the loss at fixed timesteps and noise, and changes only `blocks.*`.
    @Test func sftLossDecreasesAndTrainsOnlyBlocks() throws {
        let (data, transformer, latents, references, prompts) = try Self.sftSetup()
        #expect(references.allSatisfy { $0.shape == [1, 8, 6, 4, 4] })
        let contexts = try data.samples.map { try prompts.embedding($0.caption) }
        let initial = transformer.parameters().mapValues(\.scalars)
        let before = try Self.evaluation(transformer, latents: latents, contexts: contexts, references: references)
        var parameters = VDMFineTuning.Parameters()
        parameters.steps = 12; parameters.batch = 3; parameters.learningRate = 1e-3; parameters.captionDropout = 0
        let run = try TrainingRun(directory: try VDMTestSupport.temporaryDirectory("sft"), configuration: parameters, resume: false)
        try VDMFineTuning.train(model: transformer, data: data, latents: latents, references: references, prompts: prompts,
                                parameters: parameters, run: run)
        let after = try Self.evaluation(transformer, latents: latents, contexts: contexts, references: references)
        #expect(after < 0.9 * before, "\(before) → \(after)")
        for (key, value) in transformer.parameters() {
            #expect((value.scalars != initial[key]) == key.hasPrefix("blocks."), "\(key)")
        }
    }

    // 4 SFT steps straight and 2 steps + a resumed run of 4 (fresh models, as a new process would build them)
    // write identical log.jsonl bytes and identical final weights.
    @Test func sftResumesExactly() throws {
        var parameters = VDMFineTuning.Parameters()
        parameters.steps = 4; parameters.batch = 2; parameters.saveEvery = 2; parameters.learningRate = 1e-3
        func train(_ directory: URL, steps: Int, resume: Bool) throws -> WanTransformer3DModel {
            let (data, transformer, latents, references, prompts) = try Self.sftSetup()
            var chosen = parameters
            chosen.steps = steps
            let run = try TrainingRun(directory: directory, configuration: chosen, resume: resume)
            try VDMFineTuning.train(model: transformer, data: data, latents: latents, references: references, prompts: prompts,
                                    parameters: chosen, run: run)
            return transformer
        }
        let straight = try VDMTestSupport.temporaryDirectory("straight"), interrupted = try VDMTestSupport.temporaryDirectory("resumed")
        let full = try train(straight, steps: 4, resume: false)
        _ = try train(interrupted, steps: 2, resume: false)
        let resumed = try train(interrupted, steps: 4, resume: true)
        let log = { (url: URL) in try String(contentsOf: url.appendingPathComponent("log.jsonl"), encoding: .utf8) }
        #expect(try log(straight) == log(interrupted))
        #expect(try log(straight).split(separator: "\n").count == 4)
        for (key, value) in full.parameters() { #expect(resumed.parameters()[key]?.scalars == value.scalars, "\(key)") }
    }

    // VAE pretraining resumes exactly too, sampling the posterior: the step draws the reparameterisation noise from
    // the saved generator.
    @Test func vaeResumesExactly() throws {
        var data = try VDMTestSupport.data(scenes: 1, size: 32)
        data.samples = [data.samples[0]]
        var parameters = VAEPretraining.Parameters()
        parameters.batch = 1; parameters.warmupSteps = 1; parameters.saveEvery = 1; parameters.samplesPosterior = true; parameters.windowFrames = 5
        func train(_ directory: URL, steps: Int, resume: Bool) throws {
            let (_, vae, _, _) = try VDMTestSupport.models(vocabularySize: 64)
            var chosen = parameters
            chosen.steps = steps
            let run = try TrainingRun(directory: directory, configuration: chosen, resume: resume)
            try VAEPretraining.train(model: vae, data: data, parameters: chosen, run: run)
        }
        let straight = try VDMTestSupport.temporaryDirectory("vae-straight"), interrupted = try VDMTestSupport.temporaryDirectory("vae-resumed")
        try train(straight, steps: 2, resume: false)
        try train(interrupted, steps: 1, resume: false)
        try train(interrupted, steps: 2, resume: true)
        let log = { (url: URL) in try String(contentsOf: url.appendingPathComponent("log.jsonl"), encoding: .utf8) }
        #expect(try log(straight) == log(interrupted))
    }
}
