// VANS-Synth CLIP: a small transformers CLIPModel (same architecture as `Sources/CLIP`) trained from scratch on
// (frame, caption) pairs of synthetic answer clips with CLIP's objective, the symmetric InfoNCE loss over a batch
// with the learned temperature `logit_scale` (Radford et al. 2021, Fig. 3). It stands in for ViT-B/32 in CLIP-V,
// CLIP-T and the rewards, and is written as a Hugging Face CLIPModel directory that `CLIPBundle.load` reads.
import CLIP
import Checkpoints
import Foundation
import NN
import Support
import Tensor
import Tokenizers
import VideoIO

/// Every knob of a CLIP pretraining run (encoded into the run's config.json).
public struct CLIPPretrainingParameters: Codable, Sendable, Equatable {
    // Measured on a 1000-sample train split (seed 0, 2 cores): 600 steps (20 s) reach loss 1.92 and held-out
    // image→text top-1 0.050 over 88 captions; 6000 steps (222 s) reach 0.99 and 0.180.
    public var steps = 6000
    public var batchSize = 32
    public var learningRate = 1e-3
    public var weightDecay = 0.1
    public var warmupSteps = 30
    public var seed: UInt64 = 0
    /// Frames per clip used as training images (evenly spaced).
    public var framesPerClip = 4
    public var imageSize = 32
    public var patchSize = 8
    public var visionWidth = 64
    public var visionLayers = 2
    public var textWidth = 64
    public var textLayers = 2
    public var heads = 2
    public var projection = 64
    public var maximumPositions = 32
    public var maximumMerges = 1500
    public var checkpointEvery = 100
    /// Clips of the training manifest used (nil: all).
    public var clipLimit: Int?

    public init() {}

    /// Finishes in seconds: for tests and `make test`.
    public static var quick: CLIPPretrainingParameters {
        var parameters = CLIPPretrainingParameters()
        parameters.steps = 8
        parameters.batchSize = 8
        parameters.warmupSteps = 2
        parameters.framesPerClip = 2
        parameters.visionWidth = 32
        parameters.textWidth = 32
        parameters.projection = 16
        parameters.visionLayers = 1
        parameters.textLayers = 1
        parameters.maximumMerges = 300
        parameters.checkpointEvery = 4
        parameters.clipLimit = 48
        return parameters
    }

    enum CodingKeys: String, CodingKey {
        case steps, batchSize = "batch_size", learningRate = "learning_rate", weightDecay = "weight_decay"
        case warmupSteps = "warmup_steps", seed, framesPerClip = "frames_per_clip", imageSize = "image_size"
        case patchSize = "patch_size", visionWidth = "vision_width", visionLayers = "vision_layers", textWidth = "text_width"
        case textLayers = "text_layers", heads, projection, maximumPositions = "maximum_positions"
        case maximumMerges = "maximum_merges", checkpointEvery = "checkpoint_every", clipLimit = "clip_limit"
    }

    func validate() throws {
        for (name, value) in [("steps", steps), ("batch", batchSize), ("frames-per-clip", framesPerClip), ("heads", heads),
                              ("checkpoint-every", checkpointEvery)] where value <= 0 {
            throw TrainingError.invalidOption(name: name, reason: "must be positive, got \(value)")
        }
        guard imageSize % patchSize == 0 else {
            throw TrainingError.invalidOption(name: "image-size", reason: "\(imageSize) is not a multiple of the patch size \(patchSize)")
        }
        guard visionWidth % heads == 0, textWidth % heads == 0 else {
            throw TrainingError.invalidOption(name: "heads", reason: "\(heads) does not divide the widths \(visionWidth)/\(textWidth)")
        }
    }
}

/// What a CLIP pretraining run produced.
public struct CLIPPretrainingResult: Sendable, Codable {
    public var directory: String
    public var steps: Int
    public var firstLoss: Double
    public var finalLoss: Double
    /// Image→text retrieval top-1 accuracy over the held-out clips (the retrieved caption equals the clip's).
    public var retrievalAccuracy: Double?
    /// Distinct captions the held-out images were retrieved among.
    public var retrievalCandidates: Int?
    public var seconds: Double
}

/// The CLIP pretraining loop.
public enum CLIPPretraining {
    /// The HF CLIPModel config.json of `parameters` for a vocabulary of `tokenizer`.
    /// Float fields whose value is whole (dropout 0.0, initializer_factor 1.0) are left to their defaults: JSONSerialization
    /// writes them as integers, which transformers 5's strict config dataclasses refuse.
    static func configuration(_ parameters: CLIPPretrainingParameters, tokenizer: CLIPTokenizerFiles) -> [String: Any] {
        [
            "architectures": ["CLIPModel"], "model_type": "clip", "dtype": "float32",
            "logit_scale_init_value": 2.6592, "projection_dim": parameters.projection,
            "text_config": [
                "model_type": "clip_text_model", "hidden_act": "quick_gelu", "hidden_size": parameters.textWidth,
                "intermediate_size": parameters.textWidth * 4, "num_attention_heads": parameters.heads,
                "num_hidden_layers": parameters.textLayers, "max_position_embeddings": parameters.maximumPositions,
                "vocab_size": tokenizer.vocabularySize, "bos_token_id": tokenizer.startID, "eos_token_id": tokenizer.endID,
                "pad_token_id": tokenizer.endID, "layer_norm_eps": 1e-5, "projection_dim": parameters.projection,
                "initializer_range": 0.02,
            ] as [String: Any],
            "vision_config": [
                "model_type": "clip_vision_model", "hidden_act": "quick_gelu", "hidden_size": parameters.visionWidth,
                "intermediate_size": parameters.visionWidth * 4, "num_attention_heads": parameters.heads,
                "num_hidden_layers": parameters.visionLayers, "image_size": parameters.imageSize,
                "patch_size": parameters.patchSize, "num_channels": 3, "layer_norm_eps": 1e-5,
                "projection_dim": parameters.projection, "initializer_range": 0.02,
            ] as [String: Any],
        ]
    }

    /// preprocessor_config.json: OpenAI's normalisation, bicubic resize of the short side and centre crop to the image size.
    static func preprocessorConfiguration(_ parameters: CLIPPretrainingParameters) -> [String: Any] {
        [
            "image_processor_type": "CLIPImageProcessor", "do_resize": true, "size": ["shortest_edge": parameters.imageSize],
            "resample": 3, "do_center_crop": true, "crop_size": ["height": parameters.imageSize, "width": parameters.imageSize],
            "do_rescale": true, "rescale_factor": 1.0 / 255.0, "do_normalize": true, "do_convert_rgb": true,
            "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
        ]
    }

    /// transformers' `CLIPPreTrainedModel._init_weights` in spirit: N(0, 0.02) matrices and embeddings, unit layer
    /// norms, zero biases, class embedding N(0, width^-½), logit scale log(1/0.07).
    static func initialWeights(for model: CLIPModel, generator: inout RandomGenerator) -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) {
            let shape = tensor.shape
            if key == "logit_scale" {
                weights[key] = Tensor([Float(2.6592)], shape: [])
            } else if key.hasSuffix(".bias") {
                weights[key] = Tensor.zeros(shape)
            } else if key.contains("norm") || key.contains("layrnorm") {
                weights[key] = Tensor.ones(shape)
            } else if key.hasSuffix("class_embedding") {
                weights[key] = generator.normal(shape, standardDeviation: 1 / Float(shape[0]).squareRoot())
            } else {
                weights[key] = generator.normal(shape, standardDeviation: 0.02)
            }
        }
        return weights
    }

    /// The model's tensors keyed and shaped as a Hugging Face checkpoint (the patch Linear back to its Conv2d shape).
    static func checkpointTensors(_ model: CLIPModel) -> [String: Tensor] {
        var tensors = model.parameters()
        let vision = model.configuration.vision
        let key = "vision_model.embeddings.patch_embedding.weight"
        if let patch = tensors[key] {
            tensors[key] = patch.contiguous().reshaped([vision.hiddenSize, vision.channels, vision.patchSize, vision.patchSize])
        }
        return tensors.mapValues { $0.contiguous() }
    }

    /// Symmetric InfoNCE: cross-entropy of image→text and text→image logits (scaled by exp(logit_scale), capped at
    /// 100 as CLIP does) against the diagonal.
    static func contrastiveLoss(model: CLIPModel, pixels: Tensor, ids: [[Int]], mask: [[Int]]) throws -> Tensor {
        let images = try model.imageFeatures(pixelValues: pixels)                 // [B, P]
        let texts = try model.textFeatures(ids: ids, attentionMask: mask)         // [B, P]
        let normalize = { (x: Tensor) in x * (x.square().sum(axis: -1, keepingDimensions: true) + 1e-12).rsqrt() }
        let scale = model.logitScale.clamped(max: Float(log(100.0))).exp()
        let logits = normalize(images).matmul(normalize(texts).transposed()) * scale  // [B, B]
        let targets = Tensor(int64: (0..<Int64(ids.count)).map { $0 }, shape: [ids.count])
        return (logits.crossEntropy(targets: targets) + logits.transposed().contiguous().crossEntropy(targets: targets)) * 0.5
    }

    /// Trains on the clips of `train`, evaluates retrieval on `evaluation` (when given) and writes the Hugging Face
    /// directory `output` (the run directory with log, curves and checkpoints is `output/run`).
    public static func run(train: [MetricPretrainingClip], evaluation: [MetricPretrainingClip]?, parameters: CLIPPretrainingParameters,
                           output: URL, resume: Bool, command: String, showProgress: Bool = false,
                           stoppingAfter: Int? = nil) throws -> CLIPPretrainingResult {
        try parameters.validate()
        let started = Date()
        let manager = FileManager.default
        try manager.createDirectory(at: output, withIntermediateDirectories: true)
        let clips = parameters.clipLimit.map { Array(train.prefix($0)) } ?? train
        guard !clips.isEmpty else { throw TrainingError.data("no training clips") }
        // Tokenizer from every caption wording of the training clips.
        let tokenizerFiles = try CLIPTokenizerFiles.learn(from: clips.flatMap { [$0.caption] + $0.alternatives },
                                                          maximumMerges: parameters.maximumMerges)
        try tokenizerFiles.write(to: output, maximumLength: parameters.maximumPositions)
        let configurationData = try JSONSerialization.data(withJSONObject: configuration(parameters, tokenizer: tokenizerFiles),
                                                           options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(configurationData, to: output.appendingPathComponent("config.json"))
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: preprocessorConfiguration(parameters), options: [.prettyPrinted, .sortedKeys]),
                             to: output.appendingPathComponent("preprocessor_config.json"))
        let modelConfiguration = try CLIPConfiguration.decode(from: configurationData, file: "config.json")
        let model = try CLIPModel(configuration: modelConfiguration)
        let tokenizer = try Tokenizer(directory: output)
        var processor = try CLIPImageProcessor.load(from: output.appendingPathComponent("preprocessor_config.json"))
        processor.doCenterCrop = true

        // Pairs: evenly spaced frames of each clip with the clip's caption (wordings cycle over the frames).
        var pixels: [Tensor] = []
        var captions: [String] = []
        for clip in clips {
            let frames = FrameSelection.evenlySpaced(clip.frames, count: parameters.framesPerClip)
            let values = try processor.pixelValues(for: frames)  // [F, 3, S, S]
            let wordings = clip.alternatives.isEmpty ? [clip.caption] : clip.alternatives
            for index in frames.indices {
                pixels.append(values.narrowed(axis: 0, start: index, length: 1))
                captions.append(wordings[index % wordings.count])
            }
        }
        let encoded = try captions.map { try tokenizer.encode($0, maxLength: parameters.maximumPositions) }

        let run = try TrainingRun(directory: output.appendingPathComponent("run"), configuration: parameters, resume: resume)
        let optimizer = AdamW(learningRate: parameters.learningRate, weightDecay: parameters.weightDecay,
                              schedule: .cosine(warmupSteps: parameters.warmupSteps, totalSteps: parameters.steps))
        var generator = RandomGenerator(seed: parameters.seed)
        var startStep = 0
        if let checkpoint = run.resumed {
            try model.update(parameters: checkpoint.tensors, requireAll: true)
            if let state = checkpoint.optimizer { try optimizer.restore(state) }
            generator = checkpoint.generator
            startStep = checkpoint.step
        } else {
            try model.update(parameters: initialWeights(for: model, generator: &generator), requireAll: true)
        }
        let order = try BatchOrder(count: pixels.count, batchSize: min(parameters.batchSize, pixels.count), seed: parameters.seed)
        let bar = ProgressBar(total: parameters.steps, label: "CLIP pretraining", enabled: showProgress ? nil : false)
        bar.advance(by: startStep)
        var firstLoss = Double.nan, lastLoss = Double.nan
        if let first = try run.logEntries().first?["loss"] { firstLoss = first }
        for step in startStep..<parameters.steps {
            let indices = order.indices(step: step)
            let batchPixels = Tensor.concatenate(indices.map { pixels[$0] }, axis: 0)
            let batchIDs = indices.map { encoded[$0] }
            let length = batchIDs.map(\.count).max() ?? 1
            let ids = batchIDs.map { $0 + Array(repeating: tokenizerFiles.endID, count: length - $0.count) }
            let mask = batchIDs.map { Array(repeating: 1, count: $0.count) + Array(repeating: 0, count: length - $0.count) }
            let (loss, gradients) = try Gradients.valueAndGradient(of: model) {
                try contrastiveLoss(model: model, pixels: batchPixels, ids: ids, mask: mask)
            }
            let (clipped, norm) = Gradients.clippedByGlobalNorm(gradients, maximumNorm: 1)
            try model.update(parameters: optimizer.step(parameters: model.trainableParameters(), gradients: clipped))
            lastLoss = Double(loss.item)
            if step == 0 { firstLoss = lastLoss }
            try run.log(step: step + 1, ["loss": lastLoss, "gradient_norm": Double(norm),
                                          "logit_scale": Double(model.logitScale.item)])
            bar.advance()
            let stopping = stoppingAfter.map { step + 1 >= $0 } ?? false
            if (step + 1) % parameters.checkpointEvery == 0 || step + 1 == parameters.steps || stopping {
                try run.saveCheckpoint(step: step + 1, tensors: model.parameters(), optimizer: optimizer.state(), generator: generator)
                try run.writeCurves(title: "VANS-Synth CLIP pretraining")
            }
            if stopping { break }
        }
        bar.finish()
        if let stoppingAfter, stoppingAfter < parameters.steps {
            // A stand-in for a kill (tests of exact resume): the checkpoint is written, nothing else.
            return partialResult(firstLoss: firstLoss, lastLoss: lastLoss, started: started)
        }
        try SafetensorsWriter.write(tensors: checkpointTensors(model), metadata: ["format": "pt"],
                                    to: output.appendingPathComponent("model.safetensors"))
        var result = CLIPPretrainingResult(directory: output.path, steps: parameters.steps, firstLoss: firstLoss, finalLoss: lastLoss,
                                           retrievalAccuracy: nil, retrievalCandidates: nil, seconds: 0)
        if let evaluation, !evaluation.isEmpty {
            let bundle = try CLIPBundle.load(directory: output)
            let retrieval = try retrievalAccuracy(clip: bundle, clips: evaluation)
            result.retrievalAccuracy = retrieval.accuracy
            result.retrievalCandidates = retrieval.candidates
        }
        result.seconds = Date().timeIntervalSince(started)
        try writeModelCard(to: output, parameters: parameters, result: result, command: command, trainClips: clips.count,
                           vocabulary: tokenizerFiles.vocabularySize)
        return result
    }

    static func partialResult(firstLoss: Double, lastLoss: Double, started: Date) -> CLIPPretrainingResult {
        CLIPPretrainingResult(directory: "", steps: 0, firstLoss: firstLoss, finalLoss: lastLoss, retrievalAccuracy: nil,
                              retrievalCandidates: nil, seconds: Date().timeIntervalSince(started))
    }

    /// Image→text top-1 accuracy: the middle frame of each clip against every distinct caption of `clips`; a hit when
    /// the best-scoring caption is the clip's own.
    public static func retrievalAccuracy(clip: CLIPBundle, clips: [MetricPretrainingClip]) throws -> (accuracy: Double, candidates: Int) {
        let captions = Array(Set(clips.map(\.caption))).sorted()
        let index = Dictionary(uniqueKeysWithValues: captions.enumerated().map { ($0.element, $0.offset) })
        return try Autograd.withoutGradient {
            let tokens = try clip.tokenize(captions)
            let texts = try clip.model.textFeatures(ids: tokens.ids, attentionMask: tokens.attentionMask)  // [K, P]
            let frames = clip.imageProcessor
            var hits = 0
            for start in stride(from: 0, to: clips.count, by: 64) {
                let chunk = clips[start..<min(start + 64, clips.count)]
                let pixels = try frames.pixelValues(for: chunk.map { $0.frames[$0.frames.count / 2] })
                let images = try clip.model.imageFeatures(pixelValues: pixels)             // [C, P]
                let best = images.matmul(normalized(texts).transposed()).argmax(axis: -1).int64Scalars
                for (offset, sample) in chunk.enumerated() where Int(best[offset]) == index[sample.caption] { hits += 1 }
            }
            return (Double(hits) / Double(clips.count), captions.count)
        }
    }

    static func normalized(_ x: Tensor) -> Tensor { x * (x.square().sum(axis: -1, keepingDimensions: true) + 1e-12).rsqrt() }

    static func writeModelCard(to output: URL, parameters: CLIPPretrainingParameters, result: CLIPPretrainingResult,
                               command: String, trainClips: Int, vocabulary: Int) throws {
        let retrieval = result.retrievalAccuracy.map { String(format: "%.3f over %d captions", $0, result.retrievalCandidates ?? 0) } ?? "not measured"
        let card = """
        # VANS-Synth CLIP

        A small CLIP (transformers `CLIPModel` layout, the architecture of `Sources/CLIP`: ViT image tower \
        \(parameters.visionLayers)×\(parameters.visionWidth), \(parameters.imageSize)px images in \(parameters.patchSize)px patches; \
        causal text tower \(parameters.textLayers)×\(parameters.textWidth); projection \(parameters.projection)) trained from scratch \
        on (frame, caption) pairs of VANS-Synth answer clips with the symmetric InfoNCE loss and a learned logit scale.
        It stands in for CLIP ViT-B/32 in CLIP-V, CLIP-T and the rewards: every number computed with it is a \
        **VANS-Synth CLIP** number, not comparable with the paper's.

        - Tokenizer: CLIP byte-level BPE with `</w>`, \(vocabulary) tokens learned from the training captions (vocab.json, merges.txt, tokenizer.json).
        - Training: \(trainClips) clips × \(parameters.framesPerClip) frames, \(result.steps) steps of batch \(parameters.batchSize), \
        AdamW lr \(parameters.learningRate) (cosine, \(parameters.warmupSteps) warm-up), seed \(parameters.seed).
        - Loss: \(String(format: "%.4f", result.firstLoss)) → \(String(format: "%.4f", result.finalLoss)).
        - Held-out image→text retrieval (top-1): \(retrieval).
        - Made by: `\(command)`; run log and curves in `run/`.
        """
        try AtomicFile.write(Data((card + "\n").utf8), to: output.appendingPathComponent("README.md"))
    }
}

/// Evenly spaced frame picks.
enum FrameSelection {
    /// `count` frames at round(linspace(0, n − 1, count)) (all frames when there are fewer).
    static func evenlySpaced(_ frames: [VideoFrame], count: Int) -> [VideoFrame] {
        guard frames.count > count, count > 1 else { return count == 1 && !frames.isEmpty ? [frames[frames.count / 2]] : frames }
        return (0..<count).map { frames[Int((Double($0) * Double(frames.count - 1) / Double(count - 1)).rounded())] }
    }
}
