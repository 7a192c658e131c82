import Checkpoints
import Foundation
import Tensor
import Testing
@testable import NN

@Suite("Qwen2 decoder layer parity with transformers")
struct DecoderLayerParityTests {
    private func loadLayer(_ file: SafetensorsFile) throws -> DecoderLayer {
        var initializer = RandomGenerator(seed: 0)
        let layer = DecoderLayer(hiddenSize: 32, intermediateSize: 48, heads: 4, keyValueHeads: 2,
                                 ropeBase: 10000, epsilon: 1e-6, initializer: &initializer)
        var weights: [String: Tensor] = [:]
        for name in file.tensorNames where name.hasPrefix("param.") { weights[String(name.dropFirst(6))] = try file.tensor(name) }
        try layer.load(weights: weights)
        return layer
    }

    // Forward output equals transformers' Qwen2DecoderLayer within 1e-5 relative.
    @Test func forwardMatches() throws {
        let file = try fixture("qwen2_decoder_layer")
        let layer = try loadLayer(file)
        let output = layer(try file.tensor("input"))
        let error = relativeError(output, try file.tensor("output"))
        #expect(error <= 1e-5, "forward relative error \(error)")
    }

    // The input gradient and every parameter gradient equal PyTorch's within 1e-4 relative.
    @Test func gradientsMatch() throws {
        let file = try fixture("qwen2_decoder_layer")
        let layer = try loadLayer(file)
        let input = try file.tensor("input").requiringGradient()
        let weights = try file.tensor("output_weights")
        let (_, gradients) = Gradients.valueAndGradient(of: layer) { (layer(input) * weights).sum() }
        let inputGradient = try #require(input.gradient)
        let inputError = relativeError(inputGradient, try file.tensor("input.grad"))
        #expect(inputError <= 1e-4, "input gradient relative error \(inputError)")
        #expect(gradients.count == 12)
        for (key, gradient) in gradients {
            let error = relativeError(gradient, try file.tensor("grad.\(key)"))
            #expect(error <= 1e-4, "\(key) gradient relative error \(error)")
        }
    }
}
