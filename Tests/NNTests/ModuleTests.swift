import Foundation
import Tensor
import Testing
@testable import NN

/// A small model with a nested module, an array of modules and a plain buffer, for tree tests.
final class TinyModel: Module {
    @ModuleInfo(key: "embed_tokens") var embedding: Embedding
    @ModuleInfo(key: "layers") var layers: [Linear]
    @ModuleInfo(key: "norm") var norm: RMSNorm
    let buffer = Tensor.ones([3])  // not a parameter

    override init() {
        var initializer = RandomGenerator(seed: 1)
        super.init()
        embedding = Embedding(count: 5, dimensions: 4, initializer: &initializer)
        layers = [Linear(4, 4, initializer: &initializer), Linear(4, 4, bias: false, initializer: &initializer)]
        norm = RMSNorm(dimensions: 4)
    }

    // Checkpoints of this toy prefix everything with "model." and carry a buffer we drop.
    override var checkpointRules: CheckpointRules {
        [.drop(pattern: #"^model\.rotary\.inv_freq$"#), .renamePrefix("model.", to: "")]
    }
}

@Suite("Module tree")
struct ModuleTests {
    // Parameters are found by reflection and keyed by checkpoint key, arrays as `name.index`, optional biases only when present.
    @Test func walksParametersByCheckpointKey() {
        let model = TinyModel()
        #expect(model.parameters().keys.sorted() == [
            "embed_tokens.weight", "layers.0.bias", "layers.0.weight", "layers.1.weight", "norm.weight",
        ])
        #expect(model.namedModules().map(\.key) == ["", "embed_tokens", "layers.0", "layers.1", "norm"])
        #expect(model.module(at: "layers.1") is Linear)
    }

    // The decoder layer exposes exactly transformers' Qwen2DecoderLayer parameter names.
    @Test func decoderLayerKeysMatchTransformers() throws {
        var initializer = RandomGenerator(seed: 0)
        let layer = Qwen2DecoderLayer(hiddenSize: 32, intermediateSize: 48, heads: 4, keyValueHeads: 2, initializer: &initializer)
        let file = try fixture("qwen2_decoder_layer")
        let expected = file.tensorNames.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) }.sorted()
        #expect(layer.parameters().keys.sorted() == expected)
    }

    // Freezing a sub-tree removes exactly its parameters from the trainable set; unfreezing restores them.
    @Test func freezesAndUnfreezesSubtrees() throws {
        let model = TinyModel()
        try model.freeze(["layers"])
        #expect(model.trainableParameters().keys.sorted() == ["embed_tokens.weight", "norm.weight"])
        try model.unfreeze(["layers.1"])
        #expect(model.trainableParameters().keys.sorted() == ["embed_tokens.weight", "layers.1.weight", "norm.weight"])
        try model.freeze()
        #expect(model.trainableParameters().isEmpty)
        #expect(throws: NNError.unknownModule(key: "decoder")) { try model.freeze(["decoder"]) }
    }

    // Loading verifies: unused keys, missing keys and shape mismatches are errors naming the keys.
    @Test func loadVerifiesKeysAndShapes() throws {
        let model = TinyModel()
        var weights = model.parameters().reduce(into: [String: Tensor]()) { $0["model." + $1.key] = $1.value * 2 }
        weights["model.rotary.inv_freq"] = Tensor.ones([2])  // dropped by sanitize
        try model.load(weights: weights)
        #expect(model.norm.weight.scalars == [2, 2, 2, 2])

        var extra = weights
        extra["model.layers.2.weight"] = Tensor.ones([4, 4])
        #expect(throws: NNError.unusedKeys(["layers.2.weight"])) { try model.load(weights: extra) }
        var missing = weights
        missing["model.norm.weight"] = nil
        #expect(throws: NNError.missingKeys(["norm.weight"])) { try model.load(weights: missing) }
        var wrongShape = weights
        wrongShape["model.layers.0.bias"] = Tensor.ones([5])
        #expect(throws: NNError.shapeMismatch(key: "layers.0.bias", expected: [4], found: [5])) { try model.load(weights: wrongShape) }
        // A failed load changes nothing.
        #expect(model.layers[0].bias!.shape == [4])
    }

    // A module can be swapped for a subclass of its declared type, but not for an unrelated type.
    @Test func replacesModulesOfCompatibleType() throws {
        let model = TinyModel()
        var initializer = RandomGenerator(seed: 2)
        try model.replaceModule(at: "layers.1", with: Linear(4, 4, initializer: &initializer))
        #expect(model.layers[1].bias != nil)
        #expect(throws: NNError.self) { try model.replaceModule(at: "norm", with: Linear(4, 4, initializer: &initializer)) }
        #expect(throws: NNError.unknownModule(key: "layers.7")) { try model.replaceModule(at: "layers.7", with: Linear(4, 4, initializer: &initializer)) }
    }

    // Training mode propagates through the whole tree.
    @Test func trainModePropagates() {
        let model = TinyModel()
        model.train(false)
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        model.train()
        #expect(model.layers[1].isTraining)
    }
}
