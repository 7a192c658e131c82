// Checks Wan2.1's DiT rule table against diffusers' own converter (scripts/fixtures/wan_checkpoint_keys.py).
import Foundation
import NN
import Testing
@testable import Wan

@Suite("Wan checkpoint rules")
struct WanCheckpointRulesTests {
    /// Official key → the diffusers key `convert_wan_transformer_to_diffusers` gives it.
    private func converterNames() throws -> [String: String] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/checkpoint_keys", withExtension: "json"))
        return try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
    }

    // Every official key (T2V and I2V) lands where diffusers' converter puts it, also under the single-file prefix.
    @Test(arguments: ["", "model.diffusion_model."])
    func officialKeysMapAsDiffusersConverts(prefix: String) throws {
        let names = try converterNames()
        let plan = try CheckpointRules.wanTransformer.plan(shapes: Dictionary(uniqueKeysWithValues: names.keys.map { (prefix + $0, [1]) }))
        #expect(plan.keys == names.values.sorted())
        for (official, diffusers) in names {
            #expect(plan.mappings[diffusers]?.source == prefix + official, "\(official)")
        }
    }

    // A checkpoint already in diffusers' layout passes through untouched.
    @Test func diffusersKeysAreUnchanged() throws {
        let names = try converterNames()
        let plan = try CheckpointRules.wanTransformer.plan(shapes: Dictionary(uniqueKeysWithValues: names.values.map { ($0, [1]) }))
        #expect(plan.mappings.allSatisfy { $0.key == $0.value.source && $0.value.rules.isEmpty })
    }
}
