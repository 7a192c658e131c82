import Checkpoints
import Foundation
import Tensor
import Testing
@testable import NN

/// Three linears under the same names in every block, as Qwen's vision tower and language model share `gate_proj`.
final class PeftBlock: Module {
    @ModuleInfo(key: "q_proj") var query: Linear
    @ModuleInfo(key: "v_proj") var value: Linear
    @ModuleInfo(key: "gate_proj") var gate: Linear

    init(initializer: inout RandomGenerator) {
        super.init()
        query = Linear(4, 4, initializer: &initializer)
        value = Linear(4, 4, bias: false, initializer: &initializer)
        gate = Linear(4, 4, initializer: &initializer)
    }
}

/// The model of scripts/fixtures/lora_peft.py: a `visual` block, then two `layers` blocks.
final class PeftTinyModel: Module {
    @ModuleInfo(key: "visual") var visual: PeftBlock
    @ModuleInfo(key: "layers") var layers: [PeftBlock]

    override init() {
        var initializer = RandomGenerator(seed: 11)
        super.init()
        visual = PeftBlock(initializer: &initializer)
        layers = [PeftBlock(initializer: &initializer), PeftBlock(initializer: &initializer)]
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var hidden = visual.gate(visual.query(input)) + visual.value(input)
        for block in layers { hidden = block.gate(block.value(block.query(hidden))) }
        return hidden
    }
}

@Suite("Scoped LoRA")
struct ScopedLoRATests {
    private func adapt(_ model: Module, in scope: String = "layers", targets: LoRATargets = ["q_proj", "gate_proj"]) throws -> LoRAAdapters {
        var initializer = RandomGenerator(seed: 5)
        return try LoRA.apply(to: model, in: scope, targets: targets, rank: 2, alpha: 6, initializer: &initializer)
    }

    // Targets match only inside the scope: the vision block's q_proj and gate_proj keep their plain Linear.
    @Test func adaptsOnlyInsideTheScope() throws {
        let model = PeftTinyModel()
        let adapters = try adapt(model)
        #expect(adapters.keys == ["layers.0.q_proj", "layers.0.gate_proj", "layers.1.q_proj", "layers.1.gate_proj"])
        #expect(!(model.visual.query is LoRALinear) && !(model.visual.gate is LoRALinear))
        #expect(model.layers[1].gate is LoRALinear && !(model.layers[1].value is LoRALinear))
        // A whole-key pattern selects the same layers; unscoped names reach the vision block too.
        #expect(try adapt(PeftTinyModel(), targets: .pattern(#"\d+\.(q_proj|gate_proj)"#)).keys == adapters.keys)
        #expect(try adapt(PeftTinyModel(), in: "", targets: ["gate_proj"]).keys == ["visual.gate_proj", "layers.0.gate_proj", "layers.1.gate_proj"])
    }

    // Bad scopes and targets are errors naming them; a second scope keeps the first scope's adapters trainable.
    @Test func rejectsBadScopesAndKeepsEarlierAdaptersTrainable() throws {
        let model = PeftTinyModel()
        #expect(throws: NNError.unknownModule(key: "decoder")) { try adapt(model, in: "decoder") }
        #expect(throws: NNError.invalidArgument("LoRA targets /q_proj/ match no Linear under 'layers'")) {
            try adapt(model, targets: .pattern("q_proj"))
        }
        #expect(throws: NNError.moduleTypeMismatch(key: "layers.0", expected: "Linear", found: "PeftBlock")) {
            try adapt(model, in: "", targets: ["layers.0"])
        }
        // A failure part-way through the walk leaves no adapter behind.
        #expect(throws: NNError.moduleTypeMismatch(key: "layers.1", expected: "Linear", found: "PeftBlock")) {
            try adapt(model, in: "", targets: ["q_proj", "layers.1"])
        }
        #expect(LoRA.adapters(in: model).keys.isEmpty && !(model.visual.query is LoRALinear))
        _ = try adapt(model)
        #expect(throws: NNError.invalidArgument("'layers.0.q_proj' already has a LoRA adapter")) { try adapt(model) }
        _ = try adapt(model, in: "visual", targets: ["v_proj"])
        #expect(model.trainableParameters().keys.sorted() == [
            "layers.0.gate_proj.lora_A.weight", "layers.0.gate_proj.lora_B.weight", "layers.0.q_proj.lora_A.weight",
            "layers.0.q_proj.lora_B.weight", "layers.1.gate_proj.lora_A.weight", "layers.1.gate_proj.lora_B.weight",
            "layers.1.q_proj.lora_A.weight", "layers.1.q_proj.lora_B.weight", "visual.v_proj.lora_A.weight",
            "visual.v_proj.lora_B.weight",
        ])
    }

    // Against peft on the same tiny model: the same saved adapter keys, and the same outputs enabled, disabled and merged.
    @Test func matchesPeft() throws {
        let file = try fixture("lora_peft")
        let model = PeftTinyModel()
        try model.load(weights: Dictionary(uniqueKeysWithValues: try file.tensorNames.filter { $0.hasPrefix("base.") }
            .map { (String($0.dropFirst(5)), try file.tensor($0)) }))
        let input = try file.tensor("input")
        let baseOutput = model(input)
        let adapters = try adapt(model)

        let saved = file.tensorNames.filter { $0.hasPrefix(LoRAAdapters.savedKeyPrefix) }
        #expect(adapters.savedWeights().keys.sorted() == saved.sorted())
        try adapters.load(savedWeights: Dictionary(uniqueKeysWithValues: try saved.map { ($0, try file.tensor($0)) }))
        let enabled = model(input)
        #expect(relativeError(enabled, try file.tensor("output.adapted")) <= 1e-6)
        #expect(relativeError(enabled, baseOutput) > 1e-2)

        // Disabled adapters give the base model's output bit for bit, and peft's within float rounding.
        let disabled = adapters.withAdaptersDisabled { model(input) }
        #expect(disabled.scalars == baseOutput.scalars)
        #expect(relativeError(disabled, try file.tensor("output.base")) <= 1e-6)
        #expect(model(input).scalars == enabled.scalars)

        // Merged equals enabled (and peft's merged model); disabling a merged model still gives the base exactly.
        let weight = model.layers[0].query.weight.scalars
        adapters.merge()
        #expect(relativeError(model(input), enabled) <= 1e-6)
        #expect(relativeError(model(input), try file.tensor("output.merged")) <= 1e-6)
        adapters.disable()
        #expect(model(input).scalars == baseOutput.scalars)
        adapters.enable()
        adapters.unmerge()
        #expect(model.layers[0].query.weight.scalars == weight)
        #expect(model(input).scalars == enabled.scalars)
    }
}
