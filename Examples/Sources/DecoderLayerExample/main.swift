// Loads a Qwen2 decoder layer's weights from a safetensors file, runs the layer, and compares the output
// with PyTorch's (stored in the same file by scripts/fixtures/nn_modules.py).
//
//     swift run --package-path Examples DecoderLayerExample [FILE.safetensors]
import Checkpoints
import Foundation
import NN
import Tensor

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
