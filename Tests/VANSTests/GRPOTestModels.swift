// Tiny models and data for the Joint-GRPO tests, made at test time: a random-weight VANS-Synth-preset VLM directory
// (the QwenVL fixture tokenizer), the WanTests `wan_render` pipeline directory with a tiny profile, a colour
// "CLIP" and two VANS-Synth samples written as MP4s. Nothing is copied into VANSTests/Fixtures: the fixture
// directories of the model targets are read in place.
import Checkpoints
import Data
import Foundation
import TestSupport
import QwenVL
import Tensor
import Tokenizers
import VideoIO
import VideoMetrics
@testable import VANS

/// Embeds a frame as its mean colour (centred) and a text as a fixed vector derived from its bytes.
final class ColourEmbedder: VideoEmbedding {
    func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]] {
        videos.map { video in
            video.map { frame in
                var sums: [Float] = [0, 0, 0]
                for (index, value) in frame.pixels.enumerated() { sums[index % 3] += Float(value) }
                let count = Float(max(1, frame.pixels.count / 3))
                return sums.map { $0 / count - 128 }
            }
        }
    }

    func textEmbeddings(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            let bytes = Array(text.utf8)
            return [Float(bytes.count % 7) - 3, Float(bytes.first ?? 0) / 64 - 1, 1]
        }
    }
}

enum GRPOTestModels {
    /// The repository's Tests folder (fixture directories of other test targets are read from there).
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = ScratchDirectory.root.appendingPathComponent("grpo-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A VLM directory: the VANS-Synth preset with random weights (seeded), the fixture tokenizer, a profile
    /// asking for `maxNewTokens` tokens.
    static func vlmDirectory(in parent: URL, maxNewTokens: Int = 6) throws -> URL {
        let directory = parent.appendingPathComponent("vlm")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tokenizer = testsDirectory.appendingPathComponent("QwenVLTests/Fixtures/qwen_processor")
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: tokenizer.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(directory: directory))
        try preset.write(to: directory)
        let model = QwenVLModel(configuration: preset.configuration)
        var generator = RandomGenerator(seed: 5)
        var weights: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) where key != "lm_head.weight" {
            let isNorm = key.contains("norm") || key.contains("ln_q")
            weights[key] = isNorm ? generator.uniform(tensor.shape, low: 0.9, high: 1.1) : generator.uniform(tensor.shape, low: -0.15, high: 0.15)
        }
        try SafetensorsWriter.write(tensors: weights, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        let profile = #"{"profile": "test", "fps": 2, "min_pixels": 3136, "max_pixels": 3136, "max_new_tokens": \#(maxNewTokens), "answer_format": "brackets"}"#
        try Data(profile.utf8).write(to: directory.appendingPathComponent("vans_profile.json"))
        return directory
    }

    /// The `wan_render` fixture pipeline copied with a tiny profile (5 frames of 16×16, 2 reference frames, 3 steps).
    static func vdmDirectory(in parent: URL, guidance: Float = 2) throws -> URL {
        let directory = parent.appendingPathComponent("vdm")
        try FileManager.default.copyItem(at: testsDirectory.appendingPathComponent("WanTests/Fixtures/wan_render/pipeline"), to: directory)
        let profile = #"{"profile": "test", "frames": 5, "height": 16, "width": 16, "fps": 8, "reference_frames": 2, "steps": 3, "guidance": \#(guidance), "sampler": "unipc"}"#
        try Data(profile.utf8).write(to: directory.appendingPathComponent("vans_profile.json"))
        return directory
    }

    /// A VANS-Synth dataset of `count` samples written by `vans data synth`'s code into `parent/data`, read back as
    /// training samples (64×64 MP4s; 24-frame inputs, 17-frame answers).
    static func samples(in parent: URL, count: Int = 2) throws -> [GRPOSample] {
        let data = parent.appendingPathComponent("data")
        _ = try SynthDataset.write(SynthConfiguration(count: count, seed: 3), to: data, concurrent: false)
        return try GRPOData.load(data, limit: count)
    }

    /// Small knobs for fast tests: G = 3, two SDE steps, guidance 2 in rollouts, gates off so random models get signal.
    static func parameters(row: String, steps: Int) throws -> GRPOParameters {
        var parameters = GRPOParameters(row: try GRPORow.named(row))
        parameters.setStepsPerPhase(steps)
        parameters.groupSize = 3
        parameters.sdeSteps = 3
        parameters.trainingGuidance = 2
        parameters.learningRate = 1e-2
        parameters.checkpointEvery = 1
        parameters.anchorThreshold = 0
        parameters.anchorRetries = 1
        parameters.formatGate = false
        parameters.seed = 11
        return parameters
    }
}
