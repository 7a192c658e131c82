// `vans debug umt5`: the umT5 encoder (transformers UMT5EncoderModel) on ids from a safetensors file, in float32.
import ArgumentParser
import Checkpoints
import Foundation
import Support
import Tensor
import Wan

struct DebugUMT5Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umt5",
        abstract: "Run the umT5 text encoder: input_ids and attention_mask in, last_hidden_state out.",
        discussion: """
        --model is a text_encoder directory (config.json + safetensors, possibly sharded) or a single checkpoint \
        file such as Wan's models_t5_umt5-xxl-enc-bf16.pth (its configuration is inferred from the shapes). \
        Activations are float32 and bf16/f16 weights are widened exactly inside each product (they stay \
        memory-mapped in their stored dtype); the result matches `UMT5EncoderModel(...).last_hidden_state` in float32.
        """
    )

    @Option(name: .long, help: "A text_encoder directory, or a .pth/.safetensors umT5 checkpoint (official or transformers names).")
    var model: String

    @Option(name: .long, help: "Safetensors file with input_ids [B, L] (integer) and optionally attention_mask [B, L] (1 = token, 0 = padding).")
    var inputs: String

    @Option(name: .long, help: "Safetensors file to write last_hidden_state [B, L, d_model] (float32) to.")
    var out: String

    @Flag(name: .long, help: "Print a JSON summary (output shape and path) instead of text.")
    var json = false

    func run() async throws {
        let encoder = try UMT5EncoderModel.load(from: URL(fileURLWithPath: model))
        let file = try SafetensorsFile(url: URL(fileURLWithPath: inputs))
        let ids = try Self.rows(file, "input_ids")
        let mask = file.tensors["attention_mask"] == nil ? nil : try Self.rows(file, "attention_mask")
        let progress = ProgressBar(total: encoder.configuration.layers, label: "umT5 layers", enabled: json ? false : nil)
        let hidden = try encoder.lastHiddenState(inputIDs: ids, attentionMask: mask) { _ in progress.advance() }
        progress.finish()
        try SafetensorsWriter.write(tensors: ["last_hidden_state": hidden.contiguous()], to: URL(fileURLWithPath: out))
        if json {
            struct Summary: Encodable {
                var out: String
                var lastHiddenState: [Int]
                enum CodingKeys: String, CodingKey { case out, lastHiddenState = "last_hidden_state" }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Summary(out: out, lastHiddenState: hidden.shape)), as: UTF8.self))
        } else {
            print("last_hidden_state \(hidden.shape) → \(out)")
        }
    }

    /// A [B, L] integer tensor as rows.
    static func rows(_ file: SafetensorsFile, _ name: String) throws -> [[Int]] {
        let (values, shape) = try file.integers(name)
        guard shape.count == 2, shape[1] > 0 else {
            throw ValidationError("\(file.url.path): '\(name)' must be [B, L] with L > 0, found shape \(shape)")
        }
        return stride(from: 0, to: values.count, by: shape[1]).map { Array(values[$0..<($0 + shape[1])]) }
    }
}
