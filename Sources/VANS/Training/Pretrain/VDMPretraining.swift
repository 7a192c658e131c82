// The VDM half of VANS-Synth base-model pretraining, end to end: the VAE as an autoencoder of the world's clips,
// then (VAE frozen, umT5 frozen at its seeded initialisation) the DiT as a text-to-video model, then the three
// written as one diffusers Wan pipeline directory (`vdm-base/`) with the world's Unigram tokenizer.
import Foundation
import NN
import Tensor
import Tokenizers
import Wan

public enum VDMPretraining {
    /// Sizes of one pretraining run.
    public struct Profile: Codable, Equatable, Sendable {
        public var name: String
        /// Samples written when `--data` has no manifest (`vans data synth --count`).
        public var synthCount: Int
        /// Samples used (nil: all).
        public var limit: Int?
        public var vae: VAEPretraining.Parameters
        public var textToVideo: TextToVideoPretraining.Parameters

        /// Seconds per step, for tests and `make test`.
        public static var quick: Profile {
            var vae = VAEPretraining.Parameters()
            vae.steps = 4; vae.batch = 1; vae.saveEvery = 2; vae.warmupSteps = 0; vae.windowFrames = 5
            var t2v = TextToVideoPretraining.Parameters()
            t2v.steps = 6; t2v.batch = 2; t2v.saveEvery = 3; t2v.warmupSteps = 0
            return Profile(name: "quick", synthCount: 6, limit: 6, vae: vae, textToVideo: t2v)
        }

        /// The measured VANS-Synth base model (`vans experiment pretrain` within the 60 minutes on 2 cores).
        public static var standard: Profile {
            Profile(name: "default", synthCount: 240, limit: nil, vae: VAEPretraining.Parameters(),
                    textToVideo: TextToVideoPretraining.Parameters())
        }

        /// The same profile with every seed set to `seed` (VAE `seed`, DiT `seed + 1`).
        public func seeded(_ seed: UInt64) -> Profile {
            var copy = self
            copy.vae.seed = seed
            copy.textToVideo.seed = seed &+ 1
            return copy
        }
    }

    /// What a run produced.
    public struct Summary: Codable, Sendable {
        public var pipeline: String
        public var samples: Int
        public var vaeRun: String
        public var textToVideoRun: String
        public var vaeFinalLoss: Double?
        public var textToVideoFinalLoss: Double?
        public var latentsMean: [Double]
        public var latentsStd: [Double]
        public var seconds: [String: Double]
    }

    /// A run directory, resumed when `resume` and it already holds one (a later phase may not have started).
    static func openRun<Configuration: Encodable>(_ directory: URL, _ configuration: Configuration, resume: Bool) throws -> TrainingRun {
        let exists = FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path)
        return try TrainingRun(directory: directory, configuration: configuration, resume: resume && exists)
    }

    /// Pretrains on `data` (loaded) into `out`: `out/runs/vae-pretrain`, `out/runs/t2v-pretrain`, `out/vdm-base`.
    /// `command` is recorded in the model card. `status` sees (phase, done, total, loss).
    public static func run(data: VDMTrainingData, out: URL, profile: Profile, seed: UInt64, resume: Bool, command: String,
                           status: ((String, Int, Int, Double?) -> Void)? = nil) throws -> Summary {
        var seconds: [String: Double] = [:]
        let texts = data.texts
        let vocabularySize = WanUnigramVocabulary.pieces(from: texts).count
        var preset = WanPreset.vansSynth(vocabularySize: vocabularySize)
        let runs = out.appendingPathComponent("runs")

        // 1. The VAE, from scratch.
        var started = Date()
        let vaeRunURL = runs.appendingPathComponent("vae-pretrain")
        let vaeRun = try openRun(vaeRunURL, profile.vae, resume: resume)
        let trainingVAE = AutoencoderKLWan(configuration: preset.vae)
        try VDMInitialization.initializeAutoencoder(trainingVAE, seed: profile.vae.seed)
        let vaeLoss = try VAEPretraining.train(model: trainingVAE, data: data, parameters: profile.vae, run: vaeRun) {
            status?("vae", $0, $1, $2)
        }
        let statistics = try VAEPretraining.latentStatistics(model: trainingVAE, data: data)
        preset.vae.latentsMean = statistics.mean
        preset.vae.latentsStandardDeviation = statistics.std
        let vae = try AutoencoderKLWan.load(configuration: preset.vae, weights: trainingVAE.parameters())
        seconds["vae"] = Date().timeIntervalSince(started)

        // 2. umT5 at its seeded initialisation (frozen) and the world's tokenizer.
        started = Date()
        let tokenizerDirectory = runs.appendingPathComponent("tokenizer")
        try WanUnigramVocabulary.write(texts: texts, to: tokenizerDirectory)
        let tokenizer = try Tokenizer(directory: tokenizerDirectory)
        let textEncoder = UMT5EncoderModel(configuration: preset.textEncoder)
        try VDMInitialization.initialize(textEncoder, seed: seed &+ 2)
        textEncoder.train(false)
        let prompts = PromptEmbeddingCache(encoder: textEncoder, tokenizer: tokenizer)

        // 3. The DiT as text-to-video on the frozen VAE's latents.
        let latents = try TextToVideoPretraining.latents(of: data, vae: vae) { status?("encode", $0, $1, nil) }
        let t2vRunURL = runs.appendingPathComponent("t2v-pretrain")
        let t2vRun = try openRun(t2vRunURL, profile.textToVideo, resume: resume)
        let transformer = WanTransformer3DModel(configuration: preset.transformer)
        try VDMInitialization.initialize(transformer, seed: profile.textToVideo.seed)
        let t2vLoss = try TextToVideoPretraining.train(model: transformer, data: data, latents: latents, prompts: prompts,
                                                       parameters: profile.textToVideo, run: t2vRun) {
            status?("t2v", $0, $1, $2)
        }
        seconds["text_to_video"] = Date().timeIntervalSince(started)

        // 4. The pipeline directory.
        let pipeline = out.appendingPathComponent("vdm-base")
        let readme = modelCard(preset: preset, profile: profile, seed: seed, command: command, samples: data.samples.count,
                               vaeLoss: vaeLoss, t2vLoss: t2vLoss)
        try VDMPipelineDirectory.write(to: pipeline, preset: preset, vae: vae, textEncoder: textEncoder, transformer: transformer,
                                       texts: texts, readme: readme)
        return Summary(pipeline: pipeline.path, samples: data.samples.count, vaeRun: vaeRunURL.path, textToVideoRun: t2vRunURL.path,
                       vaeFinalLoss: vaeLoss, textToVideoFinalLoss: t2vLoss, latentsMean: statistics.mean,
                       latentsStd: statistics.std, seconds: seconds)
    }

    static func modelCard(preset: WanPreset, profile: Profile, seed: UInt64, command: String, samples: Int,
                          vaeLoss: Double?, t2vLoss: Double?) -> String {
        func loss(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "n/a (resumed after the end)" }
        return """
            # VANS-Synth VDM base (Wan2.1 architecture, small)

            A diffusers Wan pipeline directory (`WanPipeline` layout: model_index.json, transformer/, vae/, text_encoder/,
            tokenizer/, scheduler/) trained from scratch on the VANS-Synth train split. It stands in for Wan2.1-T2V-1.3B
            in the synthetic world: same architectures and code paths, small widths. Not a real video model.

            - VAE (`AutoencoderKLWan`): base_dim \(preset.vae.baseDimension), z_dim \(preset.vae.latentChannels), dim_mult \(preset.vae.dimensionMultipliers), \(preset.vae.residualBlocks) residual block per stage; trained \(profile.vae.steps) steps as an autoencoder of \(profile.vae.windowFrames)-frame windows (L1 + \(profile.vae.klWeight)·KL); final loss \(loss(vaeLoss)). `latents_mean`/`latents_std` measured over the training answer clips.
            - Text encoder (`UMT5EncoderModel`): \(preset.textEncoder.layers) layers, d_model \(preset.textEncoder.modelDimension), \(preset.textEncoder.attentionHeads) heads; frozen at its seeded random initialisation (seed \(seed &+ 2)).
            - Tokenizer: Unigram (umT5 layout: <pad> 0, </s> 1, <unk> 2), \(preset.textEncoder.vocabularySize) pieces, whole words of the world's captions scored by log frequency plus single characters.
            - Transformer (`WanTransformer3DModel`): \(preset.transformer.layers) blocks, width \(preset.transformer.hiddenSize) (\(preset.transformer.attentionHeads) heads), FFN \(preset.transformer.feedForwardDimension); `vans_conditioning` sequence with \(preset.transformer.conditioning.referenceFrames) reference frames (unused until SFT). Trained \(profile.textToVideo.steps) steps as text-to-video (flow matching, shift \(profile.textToVideo.shift), caption dropout \(profile.textToVideo.captionDropout)) on \(samples) answer clips with their captions and alternative wordings; final loss \(loss(t2vLoss)).
            - Render profile (`vans_profile.json`): \(preset.profile.frames) frames, \(preset.profile.height)×\(preset.profile.width), \(Int(preset.profile.fps)) fps, \(preset.profile.steps) \(preset.profile.sampler.rawValue) steps, guidance \(preset.profile.guidance).

            Weights are float32. Made with:

                \(command)

            (profile `\(profile.name)`, seed \(seed)).
            """
    }
}
