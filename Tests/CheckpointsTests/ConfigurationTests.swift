import Foundation
import TestSupport
import Testing
@testable import Checkpoints

@Suite("Configuration loading")
struct ConfigurationLoadingTests {
    // transformers' CLIPConfig defaults (ViT-B/32) decode to the numbers in metrics.md.
    @Test func readsCLIP() throws {
        let url = try fixtureURL("configs/clip_vit_b32.json")
        let configuration = try CLIPConfiguration.load(from: url)
        #expect(configuration.vision.hiddenSize == 768 && configuration.vision.patchSize == 32 && configuration.vision.patchesPerSide == 7)
        #expect(configuration.text.hiddenSize == 512 && configuration.text.maxPositionEmbeddings == 77)
        #expect(configuration.projectionDimension == 512 && configuration.text.hiddenActivation == "quick_gelu")
    }

    // A directory is read through its config.json; a missing file is an open error naming it.
    @Test func loadsFromDirectoryAndReportsMissingFile() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: CheckpointError.self) { try CLIPConfiguration.load(from: directory) }
        try Data(#"{"projection_dim": 256}"#.utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(try CLIPConfiguration.load(from: directory).projectionDimension == 256)
    }

    // Malformed values are errors naming the file and the dotted key.
    @Test func namesKeyOfBadValue() {
        let cases: [(String, String)] = [
            (#"{"vision_config": {"image_size": 225}}"#, "vision_config.image_size"),
            (#"{"text_config": {"hidden_act": "relu"}}"#, "text_config.hidden_act"),
            (#"{"text_config": {"num_attention_heads": null, "hidden_size": true}}"#, "text_config.hidden_size"),
            (#"[1, 2]"#, "(document)"),
            (#"{"projection_dim": 0}"#, "projection_dim"),
        ]
        for (json, key) in cases {
            #expect {
                try CLIPConfiguration.decode(from: Data(json.utf8), file: "config.json")
            } throws: { error in
                guard case .invalidConfig(let file, let found, _) = error as? CheckpointError else { return false }
                return file == "config.json" && found == key
            }
        }
    }
}
