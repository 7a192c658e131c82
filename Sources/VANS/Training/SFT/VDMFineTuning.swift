// The VDM's SFT as the paper (App. C.1): full fine-tuning of the DiT blocks (Wan's `blocks.*`; embeddings, head
// and the frozen umT5/VAE untouched), lr 5e-5, on (ground-truth answer caption, n reference frames of the input
// clip → answer clip) with the flow-matching loss; the reference frames' VAE latents (each frame its own one-frame
// clip, normalised) are prepended along time (sequence conditioning), exactly as `WanRenderPipeline` renders.
import Foundation
import NN
import Tensor
import Tokenizers
import Wan

public enum VDMFineTuning {
    /// Every knob of a VDM SFT run (written to config.json), with the paper's defaults where it gives them.
    public struct Parameters: Codable, Equatable, Sendable {
        public var steps = 300
        public var batch = 2
        /// Paper App. C.1: 5e-5.
        public var learningRate = 5e-5
        public var warmupSteps = 0
        public var shift = 5.0
        /// Kept from pretraining so guidance still has an unconditional model (the paper does not say).
        public var captionDropout = 0.1
        /// n (paper: 6); the base transformer's `vans_conditioning.reference_frames` when it is written.
        public var referenceFrames = 6
        public var seed: UInt64 = 0
        public var saveEvery = 100

        public init() {}
    }

    /// Normalised reference latents [1, z, n, h, w] of every sample (the frames ``ReferenceFrames`` picks).
    public static func referenceLatents(of data: VDMTrainingData, vae: AutoencoderKLWan, count: Int,
                                        progress: ((Int, Int) -> Void)? = nil) throws -> [Tensor] {
        try Autograd.withoutGradient {
            try data.samples.indices.map { index in
                defer { progress?(index + 1, data.samples.count) }
                let frames = try data.referencePixels(of: index, count: count).map { vae.normalize(try vae.encodeMode($0)) }
                return Tensor.concatenate(frames, axis: 2)                                    // [1, z, n, h, w]
            }
        }
    }

    /// Fine-tunes `model` (loaded float32 from the base) in `run`: only its blocks train.
    @discardableResult
    public static func train(model: WanTransformer3DModel, data: VDMTrainingData, latents: [Tensor], references: [Tensor],
                             prompts: PromptEmbeddingCache, parameters: Parameters, run: TrainingRun,
                             progress: ((Int, Int, Double) -> Void)? = nil) throws -> Double? {
        try WanFineTuning.trainBlocks(of: model)
        let order = try BatchOrder(count: data.samples.count, batchSize: parameters.batch, seed: parameters.seed)
        let optimizer = AdamW(learningRate: parameters.learningRate, weightDecay: 0,
                              schedule: .constantWithWarmup(warmupSteps: parameters.warmupSteps))
        let objective = WanFlowMatchingLoss(shift: parameters.shift)
        let loop = VDMTrainingLoop(run: run, model: model, optimizer: optimizer, steps: parameters.steps,
                                   saveEvery: parameters.saveEvery, title: "VDM SFT (VANS-Synth)")
        return try loop.train(seed: parameters.seed, progress: progress) { step, generator in
            let indices = order.indices(step: step)
            var contexts: [Tensor] = []
            for index in indices {
                let drop = generator.uniform([1]).item < Float(parameters.captionDropout)
                contexts.append(try prompts.embedding(drop ? "" : data.samples[index].caption))
            }
            return try TextToVideoPretraining.batchLoss(model: model, objective: objective, clean: indices.map { latents[$0] },
                                                        contexts: contexts, references: indices.map { references[$0] },
                                                        generator: &generator)
        }
    }
}

extension VDMFineTuning {
    /// What an SFT run produced.
    public struct Summary: Codable, Sendable {
        public var pipeline: String
        public var run: String
        public var samples: Int
        public var referenceIndices: [String: [Int]]
        public var finalLoss: Double?
        public var seconds: Double
    }

    /// Fine-tunes the DiT of the pipeline `base` on `data` into `out/runs/vdm-sft` and `out/vdm-sft` (a complete
    /// copy of `base` with the fine-tuned transformer). `status` sees (phase, done, total, loss).
    public static func run(data: VDMTrainingData, base: URL, out: URL, parameters: Parameters, resume: Bool, command: String,
                           status: ((String, Int, Int, Double?) -> Void)? = nil) throws -> Summary {
        let started = Date()
        let pipeline = try WanRenderPipeline(directory: base)
        let vae = try AutoencoderKLWan.load(directory: pipeline.index.url(of: "vae"), dtype: .float32)
        let textEncoder = try UMT5EncoderModel.load(from: pipeline.index.url(of: "text_encoder"), dtype: .float32)
        let tokenizer = try Tokenizer(directory: pipeline.index.url(of: "tokenizer"))
        let model = try WanTransformer3DModel.load(directory: pipeline.index.url(of: "transformer"), dtype: .float32)
        guard model.configuration.conditioning.mode == .sequence else {
            throw TrainingError.invalidOption(name: "base", reason: "the transformer's vans_conditioning mode is \(model.configuration.conditioning.mode.rawValue); SFT with reference frames needs sequence")
        }
        let latents = try TextToVideoPretraining.latents(of: data, vae: vae) { status?("encode answers", $0, $1, nil) }
        let references = try referenceLatents(of: data, vae: vae, count: parameters.referenceFrames) { status?("encode references", $0, $1, nil) }
        let prompts = PromptEmbeddingCache(encoder: textEncoder, tokenizer: tokenizer)
        let runURL = out.appendingPathComponent("runs/vdm-sft")
        let run = try TrainingRun(directory: runURL, configuration: parameters, resume: resume)
        let loss = try train(model: model, data: data, latents: latents, references: references, prompts: prompts,
                             parameters: parameters, run: run) { status?("sft", $0, $1, $2) }
        let output = out.appendingPathComponent("vdm-sft")
        let readme = """
            # VANS-Synth VDM, SFT

            The base pipeline `\(base.path)` with its DiT blocks fully fine-tuned as VANS's SFT (paper App. C.1): \
            lr \(parameters.learningRate), \(parameters.steps) steps of batch \(parameters.batch), flow-matching loss (shift \(parameters.shift)), \
            on (ground-truth answer caption, \(parameters.referenceFrames) reference frames of the input clip → answer clip). Reference \
            frames are round(linspace(0, F−1, n)) of the input clip (`ReferenceFrames.indices`), each VAE-encoded as a one-frame \
            clip and prepended along time (`vans_conditioning` sequence). Caption dropout \(parameters.captionDropout) keeps an \
            unconditional model for guidance. Only transformer/ differs from the base. Final loss \(loss.map { String(format: "%.4f", $0) } ?? "n/a").

            Made with:

                \(command)

            (seed \(parameters.seed)).
            """
        try VDMPipelineDirectory.writeFineTuned(from: base, to: output, transformer: model, readme: readme)
        var indices: [String: [Int]] = [:]
        for input in Set(data.samples.map(\.inputVideo)) {
            if let frames = data.inputs[input]?.shape[1] { indices["\(frames) frames"] = ReferenceFrames.indices(frameCount: frames, count: parameters.referenceFrames) }
        }
        return Summary(pipeline: output.path, run: runURL.path, samples: data.samples.count, referenceIndices: indices,
                       finalLoss: loss, seconds: Date().timeIntervalSince(started))
    }
}
