import Foundation
import Tensor
import Testing
@testable import NN

@Suite("LoRA adapters")
struct LoRATests {
    private func adaptedModel() throws -> (TinyModel, [String]) {
        let model = TinyModel()
        var initializer = RandomGenerator(seed: 7)
        let adapters = try LoRA.apply(to: model, targets: ["layers.0", "layers.1"], rank: 2, alpha: 4, initializer: &initializer)
        return (model, adapters.keys)
    }

    // Only the adapters are trainable, under peft's key layout, and a fresh adapter leaves outputs unchanged (B = 0).
    @Test func onlyAdaptersTrainAndStartAsIdentity() throws {
        let reference = TinyModel()
        let (model, keys) = try adaptedModel()
        #expect(keys == ["layers.0", "layers.1"])
        #expect(model.trainableParameters().keys.sorted() == [
            "layers.0.lora_A.weight", "layers.0.lora_B.weight", "layers.1.lora_A.weight", "layers.1.lora_B.weight",
        ])
        let input = Tensor([1, 2, 3, 4, -1, 0.5, 0, 2], shape: [2, 4])
        #expect(model.layers[0](input).scalars == reference.layers[0](input).scalars)
    }

    // The adapter adds (α/r)·B·A·x; merging folds it into W with the same output; unmerging restores W exactly.
    @Test func mergeAndUnmerge() throws {
        let (model, _) = try adaptedModel()
        let layer = try #require(model.layers[0] as? LoRALinear)
        layer.adapterUp = Tensor((0..<8).map { Float($0) * 0.1 - 0.3 }, shape: [4, 2])
        let input = Tensor([1, 2, 3, 4, -1, 0.5, 0, 2], shape: [2, 4])
        let originalWeight = layer.weight.scalars
        let adapted = layer(input)
        let expected = input.linear(weight: layer.weight, bias: layer.bias)
            + input.matmul(layer.adapterDown.transposed()).matmul(layer.adapterUp.transposed()) * 2
        #expect(relativeError(adapted, expected) <= 1e-6)
        let adapters = LoRA.adapters(in: model)
        #expect(adapters.keys == ["layers.0", "layers.1"])
        adapters.merge()
        #expect(layer.isMerged)
        #expect(relativeError(layer(input), adapted) <= 1e-6)
        adapters.unmerge()
        #expect(!layer.isMerged)
        #expect(layer.weight.scalars == originalWeight)
    }

    // Dropout is active only in training mode and keeps the expected value (inverted scaling).
    @Test func dropoutOnlyWhileTraining() throws {
        let base = Linear(weight: Tensor.zeros([1, 64]), bias: nil)
        var initializer = RandomGenerator(seed: 3)
        let layer = LoRALinear(base: base, rank: 1, alpha: 1, dropout: 0.5, initializer: &initializer)
        layer.adapterDown = Tensor.ones([1, 64])
        layer.adapterUp = Tensor.ones([1, 1])
        let input = Tensor.ones([1, 64])
        layer.train(false)
        #expect(layer(input).item == 64)
        layer.train(true)
        let trained = layer(input).item
        #expect(trained != 64 && trained.truncatingRemainder(dividingBy: 2) == 0)
    }

    // Gradients reach A and B only; the frozen base weight gets none.
    @Test func gradientsReachOnlyAdapters() throws {
        let (model, _) = try adaptedModel()
        let input = Tensor([1, 2, 3, 4], shape: [1, 4])
        let (_, gradients) = Gradients.valueAndGradient(of: model) { model.layers[1](model.layers[0](input)).sum() }
        #expect(Set(gradients.keys) == Set(model.trainableParameters().keys))
        #expect(gradients["layers.0.lora_B.weight"]!.scalars.contains { $0 != 0 })
    }
}
