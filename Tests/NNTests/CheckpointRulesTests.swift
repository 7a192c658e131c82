import Checkpoints
import Foundation
import Tensor
import Testing
@testable import NN

@Suite("Checkpoint rules")
struct CheckpointRulesTests {
    // Rules run in table order over every key; regex renames expand capture groups; untouched keys pass through.
    @Test func renamesInOrderWithCaptureGroups() throws {
        let rules: CheckpointRules = [
            .renamePrefix("model.diffusion_model.", to: ""),
            .rename(pattern: #"^blocks\.(\d+)\.self_attn\.([qkv])\."#, to: "blocks.$1.attn1.to_$2."),
        ]
        let plan = try rules.plan(shapes: [
            "model.diffusion_model.blocks.12.self_attn.k.weight": [4, 4], "head.bias": [4],
        ])
        #expect(plan.keys == ["blocks.12.attn1.to_k.weight", "head.bias"])
        #expect(plan.mappings["blocks.12.attn1.to_k.weight"]?.source == "model.diffusion_model.blocks.12.self_attn.k.weight")
        #expect(plan.mappings["blocks.12.attn1.to_k.weight"]?.rules == rules.rules.map(\.description))
        #expect(plan.ruleMatches == [1, 1])
    }

    // Two keys renamed onto one name is an error naming the key and the rule.
    @Test func renameCollisionNamesKeyAndRule() {
        let rules: CheckpointRules = [.renamePrefix("model.", to: "")]
        #expect(throws: NNError.ruleFailed(rule: "rename prefix 'model.' → ''", key: "norm.weight",
                                           reason: "it would be named 'norm.weight', as 'model.norm.weight' already is")) {
            try rules.plan(shapes: ["model.norm.weight": [4], "norm.weight": [4]])
        }
        let error = #expect(throws: NNError.self) { try CheckpointRules([.drop(pattern: "(")]).plan(shapes: [:]) }
        guard case .invalidRule(let rule, _)? = error else {
            Issue.record("expected invalidRule, got \(String(describing: error))")
            return
        }
        #expect(rule == "drop /(/")
    }

    // Dropped keys are reported with their rule; a tie fills a missing key from its source, sharing the tensor.
    @Test func dropsAndTies() throws {
        let rules: CheckpointRules = [
            .drop(pattern: #"\.rotary_emb\.inv_freq$"#),
            .tie("lm_head.weight", to: "embed_tokens.weight"),
        ]
        let embedding = Tensor((0..<6).map(Float.init), shape: [3, 2])
        let weights = try rules.apply(to: ["embed_tokens.weight": embedding, "layers.0.rotary_emb.inv_freq": Tensor.ones([1])])
        #expect(weights.keys.sorted() == ["embed_tokens.weight", "lm_head.weight"])
        #expect(weights["lm_head.weight"]!.storage === embedding.storage)
        let plan = try rules.plan(shapes: ["embed_tokens.weight": [3, 2], "layers.0.rotary_emb.inv_freq": [1]])
        #expect(plan.dropped == ["layers.0.rotary_emb.inv_freq": #"drop /\.rotary_emb\.inv_freq$/"#])
        // A stored lm_head is kept as stored, but must have the embedding's shape.
        let untied = try rules.plan(shapes: ["embed_tokens.weight": [3, 2], "lm_head.weight": [3, 2]])
        #expect(untied.mappings["lm_head.weight"]?.source == "lm_head.weight")
        #expect(throws: NNError.self) { try rules.plan(shapes: ["embed_tokens.weight": [3, 2], "lm_head.weight": [2, 3]]) }
    }

    // Conv3d weight [out, in, t, h, w] flattened from axis 1 is the Linear weight [out, in·t·h·w] in the same
    // element order; a transpose permutes the data; shape rules that do not fit name the key and the rule.
    @Test func reshapesAndTransposesTheConv3dFixture() throws {
        let file = try fixture("conv3d")
        let weight = try file.tensor("param.weight")  // [6, 2, 2, 3, 3]
        let flattened = try CheckpointRules([.flatten(pattern: #"^param\.weight$"#, fromAxis: 1)])
            .apply(to: ["param.weight": weight])["param.weight"]!
        #expect(flattened.shape == [6, 36])
        #expect(flattened.scalars == weight.scalars)
        let reshaped = try CheckpointRules([.reshape(pattern: "weight", to: [-1, 9])]).apply(to: ["param.weight": weight])
        #expect(reshaped["param.weight"]!.shape == [24, 9])
        let transposed = try CheckpointRules([.transpose(pattern: "weight", permutation: [0, 2, 3, 4, 1])])
            .apply(to: ["param.weight": weight])["param.weight"]!
        #expect(transposed.shape == [6, 2, 3, 3, 2] && transposed.isContiguous)
        #expect(transposed.scalars == weight.permuted([0, 2, 3, 4, 1]).contiguous().scalars)

        #expect(throws: NNError.ruleFailed(rule: "transpose /bias/ to axes [1, 0]", key: "param.bias",
                                           reason: "[1, 0] is not a permutation of the axes of shape [6]")) {
            try CheckpointRules([.transpose(pattern: "bias", permutation: [1, 0])]).plan(shapes: ["param.bias": [6]])
        }
        #expect(throws: NNError.ruleFailed(rule: "reshape /weight/ to [5, -1]", key: "param.weight",
                                           reason: "shape [6, 2, 2, 3, 3] cannot be reshaped to [5, -1]")) {
            try CheckpointRules([.reshape(pattern: "weight", to: [5, -1])]).plan(shapes: ["param.weight": [6, 2, 2, 3, 3]])
        }
    }

    // The sharded fixture planned against a module lists what is unused, missing and mis-shaped, as `load` would.
    @Test func comparesShardedCheckpointWithModule() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../CheckpointsTests/Fixtures/sharded").standardized
        let checkpoint = try SafetensorsCheckpoint(url: directory)
        let shapes = try Dictionary(uniqueKeysWithValues: checkpoint.tensorNames.map { ($0, try checkpoint.info($0).shape) })
        let model = TinyModel()
        let comparison = try model.checkpointRules.plan(shapes: shapes).compared(with: model.parameterShapes())
        #expect(comparison.unused == ["layers.0.input_layernorm.weight", "layers.0.mlp.up_proj.weight"])
        #expect(comparison.missing == ["layers.0.bias", "layers.0.weight", "layers.1.weight"])
        #expect(comparison.shapeMismatches.isEmpty && !comparison.loads)
        // The fixture's embedding [5, 4] and norm [4] fit TinyModel, so those load.
        try model.update(parameters: try model.sanitize(weights: checkpoint.allTensors())
            .filter { !comparison.unused.contains($0.key) })
        #expect(model.norm.weight.scalars == (try checkpoint.floats("model.norm.weight").values))
    }
}
