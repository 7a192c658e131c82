// Pretraining Wan's causal 3-D VAE (diffusers AutoencoderKLWan) from scratch as an autoencoder of VANS-Synth
// clips: L1 reconstruction of windows of 4k + 1 frames plus a small KL term, then the per-channel latent
// statistics (`latents_mean`, `latents_std`) measured over the training clips, as Wan2.1's VAE config carries them.
//
// Loss choice: L1 (Wan's own reconstruction term; sharper than MSE on flat synthetic colours) + β·KL with
// β = 1e-4 on per-element means. The KL only keeps the posterior's log-variance meaningful and the latent scale
// bounded; the DiT is trained on normalised posterior means, so a larger β would only blur reconstructions.
// Wan's perceptual and GAN terms are left out: there is no pretrained perceptual network in this world.
//
// Decoding μ (the posterior's mode, which is also what the DiT is trained on) rather than a sample μ + σ·ε: at
// the start the sample buries μ under unit noise (log σ² starts near 0 and β is too small to pull it down
// quickly); sampling stays available as an option. The learning rate follows a cosine decay after warm-up.
// Measured at 350 steps: training L1 over the last 50 steps 0.174 (sampled, constant lr) → 0.144 (mean, cosine).
// The initialisation matters more than either: see `VDMInitialization.initializeAutoencoder`.
import Foundation
import NN
import Tensor
import Wan

public enum VAEPretraining {
    /// Every knob of a VAE pretraining run (written to config.json).
    public struct Parameters: Codable, Equatable, Sendable {
        /// 2000: at 500 steps the VAE lost every object of the scene (mean |error| 0.075 on the eval answers, so
        /// no rendered answer could score above CLIP-V 0.09); at 2000, 0.043 and the floors, bins, poles return.
        public var steps = 2000
        public var batch = 1
        /// Frames per training window (4k + 1). 17 = a whole answer clip: the first frame alone, then four 4-frame
        /// chunks each decoded from the cache the previous one left. Trained on 5-frame windows (one cached
        /// chunk), the VAE reconstructed frames 1–5 within 0.04 but frames 6–17 only within 0.09–0.40 ([0, 1]
        /// units): the later chunks' caches were never seen in training.
        public var windowFrames = 17
        public var learningRate = 1e-3
        public var warmupSteps = 20
        public var klWeight = 1e-4
        /// Decode a reparameterised sample of q(z|x) instead of its mean (off by default: see the file comment).
        public var samplesPosterior = false
        public var seed: UInt64 = 0
        public var saveEvery = 50

        public init() {}
    }

    /// Windows of `frames` frames over every answer and input clip: (clip tensor [3, F, H, W], start).
    static func windows(_ data: VDMTrainingData, frames: Int) -> [(Tensor, Int)] {
        var clips = data.samples.map(\.answer)
        clips += data.inputs.keys.sorted().compactMap { data.inputs[$0] }
        var result: [(Tensor, Int)] = []
        for clip in clips where clip.shape[1] >= frames {
            for start in stride(from: 0, through: clip.shape[1] - frames, by: 4) { result.append((clip, start)) }
        }
        return result
    }

    /// The step's loss: L1(decode(z), x) + β·KL(q(z|x) ‖ N(0, I)), z = μ, or μ + σ·ε (reparameterised) when sampling.
    public static func loss(model: AutoencoderKLWan, video: Tensor, klWeight: Double, samplesPosterior: Bool = false,
                            generator: inout RandomGenerator) throws -> VDMStepResult {
        let z = model.configuration.latentChannels
        let parameters = try model.encodeParameters(video)                               // [B, 2z, T', h, w]
        let mean = parameters.sliced(axis: 1, start: 0, end: z)
        let logVariance = parameters.sliced(axis: 1, start: z, end: 2 * z).clamped(min: -30, max: 20)
        let sample = samplesPosterior ? mean + (logVariance * 0.5).exp() * generator.normal(mean.shape) : mean
        let reconstruction = try model.decode(sample)                                     // [B, 3, F, H, W]
        let l1 = (reconstruction - video).abs().mean()
        let kl = (mean.square() + logVariance.exp() - logVariance - 1).mean() * 0.5
        return VDMStepResult(loss: l1 + kl * Float(klWeight), values: ["l1": Double(l1.item), "kl": Double(kl.item)])
    }

    /// Trains `model` (already initialised) in `run`; returns the last loss.
    @discardableResult
    public static func train(model: AutoencoderKLWan, data: VDMTrainingData, parameters: Parameters, run: TrainingRun,
                             progress: ((Int, Int, Double) -> Void)? = nil) throws -> Double? {
        let windows = windows(data, frames: parameters.windowFrames)
        let order = try BatchOrder(count: windows.count, batchSize: parameters.batch, seed: parameters.seed)
        let optimizer = AdamW(learningRate: parameters.learningRate, weightDecay: 0,
                              schedule: .cosine(warmupSteps: parameters.warmupSteps, totalSteps: parameters.steps))
        try model.unfreeze()
        let loop = VDMTrainingLoop(run: run, model: model, optimizer: optimizer, steps: parameters.steps,
                                   saveEvery: parameters.saveEvery, title: "VAE pretraining (VANS-Synth)")
        return try loop.train(seed: parameters.seed, progress: progress) { step, generator in
            let clips = order.indices(step: step).map { index -> Tensor in
                let (clip, start) = windows[index]
                let window = clip.sliced(axis: 1, start: start, end: start + parameters.windowFrames).contiguous()
                return window.reshaped([1] + window.shape)                                   // [1, 3, F, H, W]
            }
            return try loss(model: model, video: Tensor.concatenate(clips, axis: 0), klWeight: parameters.klWeight,
                            samplesPosterior: parameters.samplesPosterior, generator: &generator)
        }
    }

    /// Per-channel mean and standard deviation of the posterior means of every answer clip: the
    /// `latents_mean`/`latents_std` the pipelines normalise DiT latents with.
    public static func latentStatistics(model: AutoencoderKLWan, data: VDMTrainingData) throws -> (mean: [Double], std: [Double]) {
        let z = model.configuration.latentChannels
        var sums = [Double](repeating: 0, count: z), squares = [Double](repeating: 0, count: z)
        var count = 0.0
        try Autograd.withoutGradient {
            for sample in data.samples {
                let mode = try model.encodeMode(sample.answer.reshaped([1] + sample.answer.shape))  // [1, z, T', h, w]
                let values = mode.contiguous().scalars
                let perChannel = values.count / z
                for channel in 0..<z {
                    for value in values[(channel * perChannel)..<((channel + 1) * perChannel)] {
                        sums[channel] += Double(value)
                        squares[channel] += Double(value) * Double(value)
                    }
                }
                count += Double(perChannel)
            }
        }
        let mean = sums.map { $0 / max(count, 1) }
        let std = zip(squares, mean).map { max(($0 / max(count, 1) - $1 * $1).squareRoot(), 1e-3) }
        return (mean, std)
    }
}
