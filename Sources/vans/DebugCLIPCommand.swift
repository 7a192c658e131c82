// `vans debug clip`: CLIP's projected image and text embeddings of tensors from a safetensors file, for
// comparison with transformers' `CLIPModel.get_image_features` / `get_text_features` (`.pooler_output`).
import ArgumentParser
import CLIP
import Checkpoints
import Foundation
import Tensor

struct DebugCLIPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clip",
        abstract: "CLIP image and text embeddings (projected, not normalised) of tensors from a safetensors file.",
        discussion: """
            Reads pixel_values (float [B, 3, H, W], already preprocessed) and/or input_ids (integer [B, L]) with an \
            optional attention_mask ([B, L], 1 = token, 0 = padding) and writes image_embeds and text_embeds \
            ([B, projection_dim], float32): what get_image_features / get_text_features return in .pooler_output. \
            Computes in float32 whatever the stored weight dtype. Exit codes: 0 written, 1 bad model or inputs.
            """
    )

    @Option(name: .long, help: "CLIP model directory (config.json and model.safetensors or shards).")
    var model: String

    @Option(name: .long, help: "Input safetensors file with pixel_values and/or input_ids (attention_mask optional).")
    var inputs: String

    @Option(name: .long, help: "Output safetensors file for image_embeds and text_embeds.")
    var out: String

    func run() async throws {
        do {
            let clip = try CLIPModel.load(directory: URL(fileURLWithPath: model))
            let file = try SafetensorsFile(url: URL(fileURLWithPath: inputs))
            let names = Set(file.tensorNames)
            let known: Set<String> = ["pixel_values", "input_ids", "attention_mask"]
            guard names.isSubset(of: known) else {
                throw CLIPError.invalidInput("\(inputs): unexpected tensors \(names.subtracting(known).sorted().joined(separator: ", ")) (expected pixel_values, input_ids, attention_mask)")
            }
            guard names.contains("pixel_values") || names.contains("input_ids") else {
                throw CLIPError.invalidInput("\(inputs): holds neither pixel_values nor input_ids")
            }
            var outputs: [String: Tensor] = [:]
            if names.contains("pixel_values") {
                outputs["image_embeds"] = try clip.imageFeatures(pixelValues: try file.tensor("pixel_values"))
            }
            if names.contains("input_ids") {
                let ids = try Self.integerRows(file, "input_ids")
                let mask = names.contains("attention_mask") ? try Self.integerRows(file, "attention_mask") : nil
                outputs["text_embeds"] = try clip.textFeatures(ids: ids, attentionMask: mask)
            } else if names.contains("attention_mask") {
                throw CLIPError.invalidInput("\(inputs): attention_mask without input_ids")
            }
            try SafetensorsWriter.write(tensors: outputs.mapValues { $0.contiguous() }, to: URL(fileURLWithPath: out))
        } catch let error as CLIPError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        } catch let error as CheckpointError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// A rank-2 integer tensor as rows (float tensors holding whole numbers are accepted, as masks often are).
    static func integerRows(_ file: SafetensorsFile, _ name: String) throws -> [[Int]] {
        let info = try file.info(name)
        guard info.shape.count == 2 else {
            throw CLIPError.invalidInput("\(name) must be [B, L], got \(info.shape)")
        }
        var values: [Int] = []
        if info.dtype.engineDType.isFloatingPoint {
            for value in try file.floats(name).values {
                guard value.rounded() == value, abs(value) < 1e9 else { throw CLIPError.invalidInput("\(name) holds the non-integer \(value)") }
                values.append(Int(value))
            }
        } else {
            values = try file.integers(name).values
        }
        let width = info.shape[1]
        guard width > 0 else { throw CLIPError.invalidInput("\(name) has no positions") }
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0 ..< $0 + width]) }
    }
}
