// Writing a trained VDM as a diffusers Wan pipeline directory (diffusers `WanPipeline.save_pretrained` layout:
// model_index.json, transformer/, vae/, text_encoder/, tokenizer/, scheduler/) plus vans_profile.json and a
// README.md model card, atomically: the directory appears complete under its final name or not at all.
import Checkpoints
import Foundation
import NN
import Tensor
import Wan

public enum VDMPipelineDirectory {
    /// Writes the pipeline into `directory` (replacing it). `texts` build the Unigram tokenizer; `readme` is the card.
    public static func write(to directory: URL, preset: WanPreset, vae: AutoencoderKLWan, textEncoder: UMT5EncoderModel,
                             transformer: WanTransformer3DModel, texts: [String], readme: String) throws {
        try atomically(directory) { staging in
            try preset.writeConfigurations(to: staging)
            try WanUnigramVocabulary.write(texts: texts, to: staging.appendingPathComponent("tokenizer"))
            try weights(of: vae, to: staging.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))
            try weights(of: textEncoder, to: staging.appendingPathComponent("text_encoder/model.safetensors"))
            try weights(of: transformer, to: staging.appendingPathComponent("transformer/diffusion_pytorch_model.safetensors"))
            try Data(readme.utf8).write(to: staging.appendingPathComponent("README.md"), options: .atomic)
        }
    }

    /// A copy of `base` with the transformer's weights replaced by `transformer`'s and a new model card.
    public static func writeFineTuned(from base: URL, to directory: URL, transformer: WanTransformer3DModel, readme: String) throws {
        try atomically(directory) { staging in
            try FileManager.default.removeItem(at: staging)
            try FileManager.default.copyItem(at: base, to: staging)
            let transformerDirectory = staging.appendingPathComponent("transformer")
            for file in try FileManager.default.contentsOfDirectory(atPath: transformerDirectory.path) where file.hasSuffix(".safetensors") || file.hasSuffix(".json") && file != "config.json" {
                try FileManager.default.removeItem(at: transformerDirectory.appendingPathComponent(file))
            }
            try weights(of: transformer, to: transformerDirectory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
            try Data(readme.utf8).write(to: staging.appendingPathComponent("README.md"), options: .atomic)
        }
    }

    /// Every parameter of `model`, float32, under the keys diffusers/transformers use.
    static func weights(of model: Module, to url: URL) throws {
        let tensors = model.parameters().mapValues { $0.detached().converted(to: .float32).contiguous() }
        try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt"], to: url)
    }

    static func atomically(_ directory: URL, _ body: (URL) throws -> Void) throws {
        let manager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).partial-\(getpid())")
        try? manager.removeItem(at: staging)
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        do { try body(staging) } catch { try? manager.removeItem(at: staging); throw error }
        try? manager.removeItem(at: directory)
        try manager.moveItem(at: staging, to: directory)
    }
}
