// Checks Qwen2.5-VL's rule table against a tiny random model written by transformers in both published
// key layouts (scripts/fixtures/checkpoint_layouts.py).
import Checkpoints
import Foundation
import NN
import Tensor
import Testing
@testable import QwenVL

@Suite("Qwen2.5-VL checkpoint rules")
struct QwenVLCheckpointRulesTests {
    private func layout(_ name: String) throws -> SafetensorsCheckpoint {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/checkpoint_layouts/\(name)", withExtension: "safetensors"))
        return try SafetensorsCheckpoint(url: url)
    }

    /// The module tree's parameter shapes (transformers' state dict), with the patch embed as the Linear we run.
    private func moduleShapes() throws -> [String: [Int]] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/checkpoint_layouts/parameters", withExtension: "json"))
        var shapes = try JSONDecoder().decode([String: [Int]].self, from: Data(contentsOf: url))
        let patchEmbed = try #require(shapes["model.visual.patch_embed.proj.weight"])
        shapes["model.visual.patch_embed.proj.weight"] = [patchEmbed[0], patchEmbed.dropFirst().reduce(1, *)]
        return shapes
    }

    // Both layouts map onto exactly the module tree's keys and shapes; the hub's inv_freq is dropped,
    // and the module-tree export's missing lm_head is tied to the embedding.
    @Test(arguments: ["hub", "module_tree"])
    func bothLayoutsMapOntoTheModuleTree(layout name: String) throws {
        let checkpoint = try layout(name)
        let shapes = try Dictionary(uniqueKeysWithValues: checkpoint.tensorNames.map { ($0, try checkpoint.info($0).shape) })
        let plan = try CheckpointRules.qwen25VL().plan(shapes: shapes)
        let comparison = plan.compared(with: try moduleShapes())
        #expect(comparison.loads, "\(comparison)")
        #expect(plan.mappings["model.visual.patch_embed.proj.weight"]?.sourceShape.count == 5)
        if name == "hub" {
            #expect(plan.dropped.keys.sorted() == ["model.layers.0.self_attn.rotary_emb.inv_freq"])
            #expect(plan.mappings["lm_head.weight"]?.source == "lm_head.weight")
        } else {
            #expect(plan.dropped.isEmpty)
            #expect(plan.mappings["lm_head.weight"]?.source == "model.language_model.embed_tokens.weight")
        }
    }

    // Applied to the tensors, both layouts give the same values under every module key.
    @Test func bothLayoutsGiveTheSameTensors() throws {
        let rules = CheckpointRules.qwen25VL()
        let hub = try rules.apply(to: try layout("hub").allTensors())
        let moduleTree = try rules.apply(to: try layout("module_tree").allTensors())
        #expect(hub.keys.sorted() == moduleTree.keys.sorted())
        for (key, tensor) in hub {
            #expect(tensor.shape == moduleTree[key]!.shape, "\(key)")
            #expect(tensor.converted(to: .float32).scalars == moduleTree[key]!.converted(to: .float32).scalars, "\(key)")
        }
    }

    // A key that matches neither layout survives the rules and is reported unused, as loading would reject it.
    @Test func foreignKeysAreReportedUnused() throws {
        let plan = try CheckpointRules.qwen25VL().plan(shapes: ["vision_tower.blocks.0.norm1.weight": [8]])
        #expect(plan.compared(with: try moduleShapes()).unused == ["vision_tower.blocks.0.norm1.weight"])
    }
}
