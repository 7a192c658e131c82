// What VDM pretraining and SFT train on: VANS-Synth clips decoded once into Wan's pixel layout
// (DiffSynth `preprocess_image`: x·2/255 − 1), their captions, and the reference frames of their input clips;
// plus the pieces both trainers share (weight initialisation, latent and prompt caches, pipeline export).
import Checkpoints
import Data
import Foundation
import NN
import Tensor
import Tokenizers
import VideoIO
import Wan

/// One training sample of the VDM.
public struct VDMSample {
    public var id: String
    /// The ground-truth answer caption (SFT's text).
    public var caption: String
    /// Every correct wording of the answer (pretraining draws among them).
    public var alternatives: [String]
    /// The answer clip [3, F, H, W] in [−1, 1], F = 4k + 1.
    public var answer: Tensor
    /// The input clip's file, relative to the data directory (several samples share one).
    public var inputVideo: String
}

/// VANS-Synth samples with their clips in memory.
public struct VDMTrainingData {
    public var directory: URL
    public var samples: [VDMSample]
    /// Input clips by file: [3, F_in, H, W] in [−1, 1] (their F need not be 4k + 1).
    public var inputs: [String: Tensor]
    public var height: Int
    public var width: Int

    /// Reads `directory/manifest.jsonl` and decodes every answer and input clip at `height`×`width`
    /// (answer clips trimmed to the largest 4k + 1 frames). `limit` keeps the first samples only.
    public static func load(directory: URL, height: Int = 64, width: Int = 64, limit: Int? = nil,
                            progress: ((Int, Int) -> Void)? = nil) throws -> VDMTrainingData {
        var entries = try Manifest.read(from: directory.appendingPathComponent(Manifest.fileName))
        if let limit { entries = Array(entries.prefix(max(limit, 0))) }
        guard !entries.isEmpty else { throw TrainingError.data("\(directory.path)/manifest.jsonl has no samples") }
        let processor = try WanVideoProcessor(height: height, width: width)
        func clip(_ relative: String) throws -> [VideoFrame] {
            let path = directory.appendingPathComponent(relative).path
            do { return try VideoDecoder(path: path, threads: 1).decodeAll(width: width, height: height) } catch {
                throw TrainingError.data("\(path): \(error)")
            }
        }
        var samples: [VDMSample] = []
        var inputs: [String: Tensor] = [:]
        for (number, entry) in entries.enumerated() {
            let frames = try clip(entry.answerVideo)
            guard frames.count >= 1 else { throw TrainingError.data("\(entry.answerVideo): no frames") }
            let kept = frames.prefix((frames.count - 1) / 4 * 4 + 1)
            let answer = try processor.tensor(from: Array(kept)).tensor
            if inputs[entry.inputVideo] == nil { inputs[entry.inputVideo] = try processor.tensor(from: try clip(entry.inputVideo)).tensor }
            let alternatives = entry.answerAlternatives.isEmpty ? [entry.answerCaption] : entry.answerAlternatives
            samples.append(VDMSample(id: entry.id, caption: entry.answerCaption, alternatives: alternatives, answer: answer,
                                     inputVideo: entry.inputVideo))
            progress?(number + 1, entries.count)
        }
        return VDMTrainingData(directory: directory, samples: samples, inputs: inputs, height: height, width: width)
    }

    /// Every text the text encoder will see: captions and their alternative wordings, in sample order.
    public var texts: [String] { samples.flatMap { [$0.caption] + $0.alternatives } }

    /// The reference frames of sample `index`'s input clip: [n, 3, 1, H, W] pixels, picked by
    /// ``ReferenceFrames/indices(frameCount:count:)``.
    public func referencePixels(of index: Int, count: Int) throws -> [Tensor] {
        guard let input = inputs[samples[index].inputVideo] else { throw TrainingError.data("no input clip for \(samples[index].id)") }
        return ReferenceFrames.indices(frameCount: input.shape[1], count: count).map { frame in
            input.sliced(axis: 1, start: frame, end: frame + 1).contiguous().reshaped([1, 3, 1, height, width])  // [1, 3, 1, H, W]
        }
    }
}

/// Weight initialisation of models trained from scratch (there is no pretrained checkpoint in a synthetic world).
public enum VDMInitialization {
    /// torch's defaults for linear/conv weights and biases (U(±1/√fan_in)), ones for norm gains, zeros for other
    /// 1-D parameters, N(0, 1)/√dim for the DiT's modulation tables (diffusers), and — as official Wan's
    /// `init_weights` — zeros for the DiT's output projection, so the untrained model predicts zero velocity.
    public static func initialize(_ model: Module, seed: UInt64) throws {
        try fill(model, seed: seed, special: { key, shape, generator in
            if key.hasSuffix("scale_shift_table") {
                return generator.normal(shape, standardDeviation: 1 / Float(shape.last ?? 1).squareRoot())
            }
            return key == "proj_out.weight" || key == "proj_out.bias" ? Tensor.zeros(shape) : nil
        }, weights: { shape, fanIn, generator in
            let bound = 1 / Float(max(fanIn, 1)).squareRoot()
            return generator.uniform(shape, low: -bound, high: bound)
        })
    }

    /// What the VAE is trained from: He-normal weights (σ = √(2/fan_in), for SiLU) and zero biases, ones for the
    /// RMS_norm gains. torch's default U(±1/√fan_in) shrinks the signal about √3× per convolution while every
    /// bias adds a constant, so after the ~20 convolutions of Wan's decoder the output no longer depends on z
    /// (measured on the default init: uniform red, blue and grey clips decode to the same colour within 0.002),
    /// and training settles on the world's average frame whatever the recipe.
    public static func initializeAutoencoder(_ model: Module, seed: UInt64) throws {
        try fill(model, seed: seed, special: { _, _, _ in nil }, weights: { shape, fanIn, generator in
            generator.normal(shape, standardDeviation: (2 / Float(max(fanIn, 1))).squareRoot())
        })
    }

    /// Every parameter in key order from one generator: `special`'s value where it gives one, else ones for
    /// RMS_norm gains (`.gamma`, [C, 1, 1(, 1)]) and 1-D `.weight`s, zeros for other 1-D parameters, and
    /// `weights(shape, fanIn)` for the rest.
    private static func fill(_ model: Module, seed: UInt64,
                             special: (String, [Int], inout RandomGenerator) -> Tensor?,
                             weights: ([Int], Int, inout RandomGenerator) -> Tensor) throws {
        var generator = RandomGenerator(seed: seed)
        var parameters: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) {
            let shape = tensor.shape
            if let value = special(key, shape, &generator) {
                parameters[key] = value
            } else if key.hasSuffix(".gamma") {
                parameters[key] = Tensor.ones(shape)
            } else if shape.count == 1 {
                parameters[key] = key.hasSuffix(".weight") ? Tensor.ones(shape) : Tensor.zeros(shape)
            } else {
                parameters[key] = weights(shape, shape.dropFirst().reduce(1, *), &generator)
            }
        }
        try model.update(parameters: parameters)
    }
}

/// Prompt embeddings by text, computed once by a frozen umT5 and zero-padded as `WanPipeline` pads them.
public final class PromptEmbeddingCache {
    let encoder: UMT5EncoderModel
    let tokenizer: Tokenizer
    let sequenceLength: Int
    private var trimmed: [String: Tensor] = [:]

    public init(encoder: UMT5EncoderModel, tokenizer: Tokenizer, sequenceLength: Int = WanPromptCleaner.maxSequenceLength) {
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.sequenceLength = sequenceLength
    }

    /// [1, sequenceLength, D] for `text` (rows past the prompt's tokens are zero, as at render time).
    public func embedding(_ text: String) throws -> Tensor {
        if let cached = trimmed[text] { return pad(cached) }
        let length = try WanPromptCleaner().encode([text], tokenizer: tokenizer, maxLength: sequenceLength).attentionMask[0].reduce(0, +)
        let full = try Autograd.withoutGradient { try encoder.encode([text], tokenizer: tokenizer, sequenceLength: sequenceLength) }
        let kept = full.sliced(axis: 1, start: 0, end: max(length, 1)).contiguous()  // [1, L, D]
        trimmed[text] = kept
        return pad(kept)
    }

    private func pad(_ kept: Tensor) -> Tensor {
        kept.padded([0, 0, 0, sequenceLength - kept.shape[1]])  // [1, sequenceLength, D]
    }
}
