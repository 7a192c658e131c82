// `vans debug qwen`: the Qwen2.5-VL conformance entry point. Reads the processor's tensors from a
// safetensors file, runs Qwen2_5_VLForConditionalGeneration's forward in float32 and writes the prompt's
// logits (and a greedy continuation), for comparison with transformers.
import ArgumentParser
import Checkpoints
import Foundation
import Generation
import NN
import QwenVL
import Tensor

struct DebugQwenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qwen",
        abstract: "Run Qwen2.5-VL on processor tensors; write the prompt's logits and a greedy continuation.",
        discussion: """
        IN holds `input_ids` (int32/int64 [1, L]) and, when present, `pixel_values_videos` (float [N, C·t·p·p]) \
        with `video_grid_thw` (int [V, 3]) and `second_per_grid_ts` (float [V]), and `pixel_values` with \
        `image_grid_thw` (int [I, 3]). OUT receives `logits` (float32 [L, vocab], every prompt position) and, \
        with --generate N, `greedy_tokens` (int32 [n ≤ N]: greedy continuation through the KV cache, ending \
        after the config's end-of-sequence token if produced). Computation is float32 over the stored weights \
        (bf16 weights widened exactly), as the conformance references run. With --dtype bf16 the weights are \
        rounded to bf16 (as from_pretrained(dtype=torch.bfloat16)) and every op's output is rounded to bf16 \
        where PyTorch rounds it: the logits a bf16 transformers model gives, up to summation order.
        """
    )

    enum ComputeType: String, ExpressibleByArgument, CaseIterable {
        case f32, bf16
    }

    @Option(name: .long, help: "The model directory (config.json and model.safetensors or a sharded index).")
    var model: String

    @Option(name: .long, help: "Input tensors (safetensors) named as Qwen2_5_VLProcessor names them.")
    var inputs: String

    @Option(name: .long, help: "Where to write the output tensors (safetensors).")
    var out: String

    @Option(name: .long, help: "Also decode at most N greedy tokens after the prompt.")
    var generate: Int?

    @Option(name: .long, help: "Weights and activations: f32 (default, weights widened exactly) or bf16 (as transformers in bf16).")
    var dtype: ComputeType = .f32

    func validate() throws {
        if let generate, generate < 1 { throw ValidationError("--generate must be at least 1, got \(generate)") }
    }

    func run() async throws {
        let precision: ActivationPrecision = dtype == .bf16 ? .bfloat16 : .float32
        let outputs = try ActivationPrecision.$current.withValue(precision) { try computeOutputs() }
        try SafetensorsWriter.write(tensors: outputs, metadata: ["producer": "vans debug qwen", "dtype": dtype.rawValue],
                                    to: URL(fileURLWithPath: out))
    }

    /// The logits (and greedy tokens), computed at the task's activation precision.
    private func computeOutputs() throws -> [String: Tensor] {
        let model = try QwenVLModel.load(directory: URL(fileURLWithPath: self.model), dtype: dtype == .bf16 ? .bfloat16 : nil)
        let input = try QwenVLInput(conformanceFile: SafetensorsFile(url: URL(fileURLWithPath: inputs)))
        let (tokens, state) = try model.prepare(input)
        var outputs: [String: Tensor] = [:]
        var scoring = state  // the vision features are computed once and serve both passes
        outputs["logits"] = Autograd.withoutGradient { model.logits(tokens, state: &scoring) }.squeezed(0).contiguous()
        if let generate {
            let stop = Set(model.configuration.text.eosTokenIds)
            var iterator = try TokenIterator(model: model, prompt: tokens, state: state, sampler: ArgmaxSampler(),
                                             maximumTokens: generate, stopTokens: stop)
            var generated: [Int32] = []
            while let next = try iterator.next() {
                generated.append(Int32(next[0].token))
                if stop.contains(next[0].token) { break }
            }
            outputs["greedy_tokens"] = Tensor(int32: generated, shape: [generated.count])
        }
        return outputs
    }
}
