// Tiny in-memory VANS-Synth data and VDM models for the VDM pretraining/SFT tests (no MP4 round trip needed).
import Data
import Foundation
import TestSupport
import NN
import Tensor
import Tokenizers
import VideoIO
import Wan
@testable import VANS

enum VDMTestSupport {
    /// `scenes` train scenes rendered at `size`² into training samples (one per question).
    static func data(scenes: Int = 2, size: Int = 32) throws -> VDMTrainingData {
        let processor = try WanVideoProcessor(height: size, width: size)
        func tensor(_ frames: [SynthFrame]) throws -> Tensor {
            try processor.tensor(from: frames.map { VideoFrame(width: $0.width, height: $0.height, pixels: $0.pixels) }).tensor
        }
        var samples: [VDMSample] = []
        var inputs: [String: Tensor] = [:]
        for index in 0..<scenes {
            let kind: SampleKind = index % 2 == 0 ? .predictive : .procedural
            let scene = SynthWorld.render(sceneSeed: SynthWorld.sceneSeed(split: .train, seed: 7, kind: kind, index: index), size: size)
            let input = "scene-\(index)-input.mp4"
            inputs[input] = try tensor(scene.inputFrames)
            for (number, question) in scene.questions.enumerated() {
                samples.append(VDMSample(id: "scene-\(index)-q\(number)", caption: question.caption, alternatives: question.alternatives,
                                         answer: try tensor(question.answerFrames), inputVideo: input))
            }
        }
        return VDMTrainingData(directory: URL(fileURLWithPath: "/nonexistent"), samples: samples, inputs: inputs, height: size, width: size)
    }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = ScratchDirectory.root.appendingPathComponent("vans-vdm-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The VANS-Synth preset's three models, seeded; the DiT's zero-initialised head is randomised so that a
    /// "base" model passes gradients to its blocks (as a pretrained one does).
    static func models(vocabularySize: Int, seed: UInt64 = 3) throws -> (WanPreset, AutoencoderKLWan, UMT5EncoderModel, WanTransformer3DModel) {
        let preset = WanPreset.vansSynth(vocabularySize: vocabularySize)
        let vae = AutoencoderKLWan(configuration: preset.vae)
        try VDMInitialization.initialize(vae, seed: seed)
        let text = UMT5EncoderModel(configuration: preset.textEncoder)
        try VDMInitialization.initialize(text, seed: seed + 1)
        text.train(false)
        let transformer = WanTransformer3DModel(configuration: preset.transformer)
        try VDMInitialization.initialize(transformer, seed: seed + 2)
        var generator = RandomGenerator(seed: seed + 3)
        let head = transformer.parameters()["proj_out.weight"]!
        try transformer.update(parameters: ["proj_out.weight": generator.normal(head.shape, standardDeviation: 0.05)])
        return (preset, vae, text, transformer)
    }

    /// The tokenizer the pipeline writer would write for `texts`, loaded back.
    static func tokenizer(texts: [String]) throws -> Tokenizer {
        let directory = try temporaryDirectory("tokenizer")
        try WanUnigramVocabulary.write(texts: texts, to: directory)
        return try Tokenizer(directory: directory)
    }
}
