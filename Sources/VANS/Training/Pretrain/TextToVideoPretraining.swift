// Pretraining Wan's DiT (diffusers WanTransformer3DModel) from scratch as a text-to-video model on
// (VANS-Synth clip, caption of what happens in it) with the flow-matching loss (WanFlowMatchingLoss, DiffSynth's
// recipe), the VAE frozen and its normalised posterior means as the clean latents.
//
// Clips: the answer clips with their answer caption or one of its alternative wordings. The synthetic world has
// no generic description of an input clip (its texts are questions, reasoning and answers), so input clips are
// not used here. This is not the VNEP task: no question, no input video, just "caption → the clip it describes".
//
// umT5 is frozen at its seeded random initialisation, not trained jointly: Wan2.1 itself never trains umT5 with
// the DiT (it ships a frozen pretrained encoder), a random transformer's token features still tell every word of
// this closed vocabulary apart, and a frozen encoder lets every prompt be encoded once instead of every step.
import Foundation
import NN
import Tensor
import Wan

public enum TextToVideoPretraining {
    /// Every knob of a text-to-video pretraining run (written to config.json).
    public struct Parameters: Codable, Equatable, Sendable {
        public var steps = 1000
        public var batch = 4
        public var learningRate = 5e-4
        public var warmupSteps = 50
        /// σ-grid shift of the training timesteps (DiffSynth's Wan recipe uses 5).
        public var shift = 5.0
        /// Probability of training on the empty caption, so classifier-free guidance has an unconditional model.
        public var captionDropout = 0.1
        public var seed: UInt64 = 0
        public var saveEvery = 100

        public init() {}
    }

    /// The VAE's normalised posterior means of every answer clip, [1, z, T', h, w] each.
    public static func latents(of data: VDMTrainingData, vae: AutoencoderKLWan,
                               progress: ((Int, Int) -> Void)? = nil) throws -> [Tensor] {
        try Autograd.withoutGradient {
            try data.samples.enumerated().map { number, sample in
                defer { progress?(number + 1, data.samples.count) }
                return vae.normalize(try vae.encodeMode(sample.answer.reshaped([1] + sample.answer.shape)))
            }
        }
    }

    /// The mean flow-matching loss over a batch, each sample with its own noise and timestep.
    static func batchLoss(model: WanTransformer3DModel, objective: WanFlowMatchingLoss, clean: [Tensor], contexts: [Tensor],
                          references: [Tensor?], generator: inout RandomGenerator) throws -> VDMStepResult {
        var total: Tensor?
        var sigmas = 0.0
        for index in clean.indices {
            let timestep = objective.sampleTimestep(generator: &generator)
            let noise = generator.normal(clean[index].shape)
            let loss = try objective.loss(model: model, clean: clean[index], noise: noise, at: timestep,
                                          context: contexts[index], references: references[index])
            total = total.map { $0 + loss } ?? loss
            sigmas += Double(timestep.sigma)
        }
        guard let total else { throw TrainingError.data("empty batch") }
        return VDMStepResult(loss: total / Float(clean.count), values: ["sigma": sigmas / Double(clean.count)])
    }

    /// Trains `model` (initialised) on `latents` (from ``latents(of:vae:progress:)``) in `run`.
    @discardableResult
    public static func train(model: WanTransformer3DModel, data: VDMTrainingData, latents: [Tensor], prompts: PromptEmbeddingCache,
                             parameters: Parameters, run: TrainingRun,
                             progress: ((Int, Int, Double) -> Void)? = nil) throws -> Double? {
        let order = try BatchOrder(count: data.samples.count, batchSize: parameters.batch, seed: parameters.seed)
        let optimizer = AdamW(learningRate: parameters.learningRate, weightDecay: 0.01,
                              schedule: .constantWithWarmup(warmupSteps: parameters.warmupSteps))
        let objective = WanFlowMatchingLoss(shift: parameters.shift)
        try model.unfreeze()
        let loop = VDMTrainingLoop(run: run, model: model, optimizer: optimizer, steps: parameters.steps,
                                   saveEvery: parameters.saveEvery, title: "Text-to-video pretraining (VANS-Synth)")
        return try loop.train(seed: parameters.seed, progress: progress) { step, generator in
            let indices = order.indices(step: step)
            var contexts: [Tensor] = []
            for index in indices {
                // Two draws per sample, always made, so the generator advances the same whatever is chosen.
                let drop = generator.uniform([1]).item < Float(parameters.captionDropout)
                let alternatives = data.samples[index].alternatives
                let pick = min(Int(generator.uniform([1]).item * Float(alternatives.count)), alternatives.count - 1)
                contexts.append(try prompts.embedding(drop ? "" : alternatives[pick]))
            }
            return try batchLoss(model: model, objective: objective, clean: indices.map { latents[$0] }, contexts: contexts,
                                 references: indices.map { _ in nil }, generator: &generator)
        }
    }
}
