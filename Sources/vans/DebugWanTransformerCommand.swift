// `vans debug wan-transformer`: one forward of Wan2.1's DiT (diffusers WanTransformer3DModel) in float32 on
// tensors from a safetensors file, for conformance checks against diffusers.
import ArgumentParser
import Checkpoints
import Foundation
import Tensor
import Wan

struct DebugWanTransformerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wan-transformer",
        abstract: "Run Wan2.1's DiT once on tensors from a safetensors file.",
        discussion: """
        Reads `hidden_states` (f32 [B, C, F, H, W]), `timestep` (f32 or int [B]), `encoder_hidden_states` \
        (f32 [B, L, D]) and, for I2V models with image_dim, `encoder_hidden_states_image`; writes `output` (f32, the \
        DiT's prediction, [B, out_channels, F, H, W]). Weights are widened to float32 exactly, whatever their stored dtype. \
        Exit code 1 on any error (named file, key or input).
        """
    )

    @Option(name: .long, help: "A diffusers `transformer/` directory (config.json + safetensors, official or diffusers keys), or a pipeline directory holding one.")
    var model: String

    @Option(name: .long, help: "Input safetensors file.")
    var inputs: String

    @Option(name: .long, help: "Output safetensors file (written atomically).")
    var out: String

    @Flag(name: .long, help: "Print a JSON summary on standard output.")
    var json = false

    struct Summary: Codable {
        var output: String
        var shape: [Int]
        var seconds: Double
    }

    func run() async throws {
        let start = Date()
        do {
            var directory = URL(fileURLWithPath: model)
            if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) {
                directory = directory.appendingPathComponent("transformer")
            }
            let transformer = try WanTransformer3DModel.load(directory: directory, dtype: .float32)
            let tensors = try SafetensorsCheckpoint(url: URL(fileURLWithPath: inputs)).allTensors()
            func input(_ name: String) throws -> Tensor {
                guard let tensor = tensors[name] else { throw WanError.invalidInput(name: name, reason: "missing from \(inputs)") }
                return tensor
            }
            let timestep = try input("timestep")
            let timesteps = timestep.dtype.isFloatingPoint ? timestep.scalars : timestep.int64Scalars.map { Float($0) }
            let output = try transformer(try input("hidden_states"), timesteps: timesteps, context: try input("encoder_hidden_states"),
                                         imageContext: tensors["encoder_hidden_states_image"])
            try SafetensorsWriter.write(tensors: ["output": output], to: URL(fileURLWithPath: out))
            let summary = Summary(output: out, shape: output.shape, seconds: Date().timeIntervalSince(start))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print("wrote output \(output.shape) to \(out) in \(String(format: "%.2f", summary.seconds)) s")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
