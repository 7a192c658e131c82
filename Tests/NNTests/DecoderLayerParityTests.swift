import Checkpoints
import Foundation
import Tensor
import Testing
@testable import NN

/// The simplest correct cache (re-concatenates on every append): what the layer needs, nothing more.
/// Generation's growing, forkable caches are tested in GenerationTests.
private final class ConcatenatingCache: AttentionCache {
    var keys: Tensor?, values: Tensor?
    var offset: Int { keys?.shape[2] ?? 0 }

    func update(keys newKeys: Tensor, values newValues: Tensor) -> (keys: Tensor, values: Tensor) {
        keys = keys.map { Tensor.concatenate([$0, newKeys], axis: 2) } ?? newKeys
        values = values.map { Tensor.concatenate([$0, newValues], axis: 2) } ?? newValues
        return (keys!, values!)
    }
}

@Suite("Qwen2 decoder layer parity with transformers")
struct DecoderLayerParityTests {
    private func loadLayer(_ file: SafetensorsFile) throws -> Qwen2DecoderLayer {
        var initializer = RandomGenerator(seed: 0)
        let layer = Qwen2DecoderLayer(hiddenSize: 32, intermediateSize: 48, heads: 4, keyValueHeads: 2,
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
        let input = try file.tensor("input")
        let output = layer(input, rotary: layer.rotaryTable(positions: Array(0..<input.shape[1])))
        let error = relativeError(output, try file.tensor("output"))
        #expect(error <= 1e-5, "forward relative error \(error)")
    }

    // The input gradient and every parameter gradient equal PyTorch's within 1e-4 relative.
    @Test func gradientsMatch() throws {
        let file = try fixture("qwen2_decoder_layer")
        let layer = try loadLayer(file)
        let input = try file.tensor("input").requiringGradient()
        let weights = try file.tensor("output_weights")
        let rotary = layer.rotaryTable(positions: Array(0..<input.shape[1]))
        let (_, gradients) = Gradients.valueAndGradient(of: layer) { (layer(input, rotary: rotary) * weights).sum() }
        let inputGradient = try #require(input.gradient)
        let inputError = relativeError(inputGradient, try file.tensor("input.grad"))
        #expect(inputError <= 1e-4, "input gradient relative error \(inputError)")
        #expect(gradients.count == 12)
        for (key, gradient) in gradients {
            let error = relativeError(gradient, try file.tensor("grad.\(key)"))
            #expect(error <= 1e-4, "\(key) gradient relative error \(error)")
        }
    }

    // Prefill of 3 tokens, then 4 one-token decode steps through the cache, equals the full forward within 1e-5.
    @Test func cachedDecodeMatchesFullForward() throws {
        let file = try fixture("qwen2_decoder_layer")
        let layer = try loadLayer(file)
        let input = try file.tensor("input"), length = input.shape[1]
        let cache = ConcatenatingCache()
        var pieces = [layer(input.sliced(axis: 1, start: 0, end: 3), rotary: layer.rotaryTable(positions: [0, 1, 2]), cache: cache)]
        for position in 3..<length {
            #expect(cache.offset == position)
            pieces.append(layer(input.sliced(axis: 1, start: position, end: position + 1),
                                rotary: layer.rotaryTable(positions: [position]), cache: cache))
        }
        let error = relativeError(Tensor.concatenate(pieces, axis: 1), try file.tensor("output"))
        #expect(error <= 1e-5, "cached decode relative error \(error)")
    }

    // Left-padding each row by a different amount, masking the padding and starting positions at the first real token,
    // leaves the real tokens' outputs and the input gradient equal to the reference's (pad values are garbage on purpose).
    @Test func leftPaddingIsInvisible() throws {
        let file = try fixture("qwen2_decoder_layer")
        let layer = try loadLayer(file)
        let input = try file.tensor("input"), (batch, length, hidden) = (input.shape[0], input.shape[1], input.shape[2])
        let padCounts = [2, 5], paddedLength = length + 5
        var random = RandomGenerator(seed: 3)
        var rows: [Tensor] = [], mask: [Bool] = [], positions: [Int] = []
        for row in 0..<batch {
            let (before, after) = (padCounts[row], 5 - padCounts[row])
            var parts = [random.normal([1, before, hidden]) * 7, input.sliced(axis: 0, start: row, end: row + 1)]
            if after > 0 { parts.append(random.normal([1, after, hidden])) }
            rows.append(Tensor.concatenate(parts, axis: 1))
            // Right-side filler is masked too, so real rows see only real keys.
            mask += Array(repeating: true, count: before) + Array(repeating: false, count: length) + Array(repeating: true, count: after)
            positions += Array(repeating: 0, count: before) + Array(0..<length) + Array(repeating: length, count: after)
        }
        let padded = Tensor.concatenate(rows, axis: 0).requiringGradient()
        let output = layer(padded, rotary: layer.rotaryTable(positions: positions),
                           keyPaddingMask: Tensor(bools: mask, shape: [batch, paddedLength]))
        let real = Tensor.concatenate((0..<batch).map {
            output.sliced(axis: 0, start: $0, end: $0 + 1).sliced(axis: 1, start: padCounts[$0], end: padCounts[$0] + length)
        }, axis: 0)
        let error = relativeError(real, try file.tensor("output"))
        #expect(error <= 1e-5, "padded forward relative error \(error)")
        (real * (try file.tensor("output_weights"))).sum().backward()
        let gradient = try #require(padded.gradient)
        let realGradient = Tensor.concatenate((0..<batch).map {
            gradient.sliced(axis: 0, start: $0, end: $0 + 1).sliced(axis: 1, start: padCounts[$0], end: padCounts[$0] + length)
        }, axis: 0)
        let gradientError = relativeError(realGradient, try file.tensor("input.grad"))
        #expect(gradientError <= 1e-4, "padded input gradient relative error \(gradientError)")
    }
}
