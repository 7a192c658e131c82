// Loads a Qwen2 decoder layer's weights from a safetensors file, runs the layer, and compares the output
// with PyTorch's (stored in the same file by scripts/fixtures/nn_modules.py).
//
//     swift run --package-path Examples DecoderLayerExample [FILE.safetensors]
import Checkpoints
import Foundation
import NN
import Tensor

/// A Qwen2 decoder layer composed from NN's public pieces, as a model package would write it:
/// x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).
final class DecoderLayer: Module {
    @ModuleInfo(key: "self_attn") var attention: Attention
    @ModuleInfo(key: "mlp") var mlp: SwiGLUMLP
    @ModuleInfo(key: "input_layernorm") var inputNorm: RMSNorm
    @ModuleInfo(key: "post_attention_layernorm") var postAttentionNorm: RMSNorm

    init(hiddenSize: Int, intermediateSize: Int, heads: Int, keyValueHeads: Int, initializer: inout RandomGenerator) {
        super.init()
        attention = Attention(hiddenSize: hiddenSize, heads: heads, keyValueHeads: keyValueHeads, queryKeyValueBias: true,
                              initializer: &initializer)
        mlp = SwiGLUMLP(hiddenSize: hiddenSize, intermediateSize: intermediateSize, initializer: &initializer)
        inputNorm = RMSNorm(dimensions: hiddenSize, epsilon: 1e-6)
        postAttentionNorm = RMSNorm(dimensions: hiddenSize, epsilon: 1e-6)
    }

    /// [B, L, hidden] → [B, L, hidden], causal, positions 0..<L.
    func callAsFunction(_ input: Tensor) -> Tensor {
        let rotary = RotaryTable.standard(positions: Array(0..<input.shape[1]), dimension: attention.headDimension, theta: 10000)
        let afterAttention = input + attention(inputNorm(input), rotary: rotary, causal: true)
        return afterAttention + mlp(postAttentionNorm(afterAttention))
    }
}

let defaultFile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("../../../Tests/NNTests/Fixtures/qwen2_decoder_layer.safetensors")
    .standardized
let url = CommandLine.arguments.count > 1 ? URL(fileURLWithPath: CommandLine.arguments[1]) : defaultFile

do {
    let file = try SafetensorsFile(url: url)
    // The file stores the layer's parameters under `param.`, beside its input and PyTorch's output.
    let weights = try Dictionary(uniqueKeysWithValues: file.tensorNames.filter { $0.hasPrefix("param.") }
        .map { (String($0.dropFirst("param.".count)), try file.tensor($0)) })
    var initializer = RandomGenerator(seed: 0)
    let layer = DecoderLayer(hiddenSize: 32, intermediateSize: 48, heads: 4, keyValueHeads: 2, initializer: &initializer)
    try layer.load(weights: weights)

    let input = try file.tensor("input")  // [2, 7, 32]
    let output = layer(input)
    let expected = try file.tensor("output").scalars
    let largestError = zip(output.scalars, expected).map { abs($0 - $1) }.max() ?? 0
    print("\(url.lastPathComponent): \(weights.count) tensors loaded; output \(output.shape), max |ours − PyTorch| = \(largestError)")
    if largestError > 1e-4 { exit(1) }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
