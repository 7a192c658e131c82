// The local VLM path: a random-weight, VANS-Synth-size Qwen2.5-VL directory behind `LocalQwenClient`. Its replies
// are gibberish, so the stages must record malformed replies as failures, never crash.
import Checkpoints
import Curation
import Data
import Foundation
import NN
import QwenVL
import Tensor
import Testing
import Tokenizers

@Suite(.serialized) struct LocalQwenClientTests {
    static func makeModelDirectory(_ directory: URL) throws -> QwenVLPreset {
        let tokenizerDirectory = try #require(Bundle.module.url(forResource: "Fixtures/qwen_tokenizer/tokenizer.json", withExtension: nil))
            .deletingLastPathComponent()
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: tokenizerDirectory.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(directory: directory))
        try preset.write(to: directory)
        let model = QwenVLModel(configuration: preset.configuration)
        var generator = RandomGenerator(seed: 5)
        var weights: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key })
        where !(preset.configuration.text.tieWordEmbeddings && key == "lm_head.weight") {
            let isNorm = key.contains("norm") || key.contains("ln_q")
            weights[key] = isNorm ? generator.uniform(tensor.shape, low: 0.9, high: 1.1) : generator.uniform(tensor.shape, low: -0.15, high: 0.15)
        }
        try SafetensorsWriter.write(tensors: weights, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        return preset
    }

    // The local model answers a prompt about a clip cut from a source video; a run over it records every
    // unparseable reply as a failed unit with its reason and exits normally.
    @Test func localModelRunsAndBadRepliesAreRecorded() async throws {
        let root = try scratchDirectory("local-qwen")
        defer { try? FileManager.default.removeItem(at: root) }
        let modelDirectory = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: modelDirectory, withIntermediateDirectories: true)
        let preset = try Self.makeModelDirectory(modelDirectory)
        let client = try LocalQwenClient(directory: modelDirectory, scratch: root.appendingPathComponent("tmp"), options: preset.processorOptions)
        let raw = root.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try writeTestVideo(raw.appendingPathComponent("a.mp4"), shots: 2, width: 64, height: 64)
        let reply = try await client.complete(VLMRequest(prompt: "Describe the clip.",
                                                         clips: [VLMClip(videoPath: raw.appendingPathComponent("a.mp4").path, range: TimeRange(start: 0, end: 3))],
                                                         maximumTokens: 8))
        #expect(reply.count < 10_000)
        let prompts = try PromptLibrary()
        let stages = CurationStages(splitter: StandardShotSplitter(), chooser: VLMClipChooser(client: client, prompts: prompts, maximumCandidates: 1),
                                    generator: VLMQAGenerator(client: client, prompts: prompts))
        let videos = try AnnotationImporter(source: "films", format: .videos, annotations: nil, videos: raw).run().videos
        let summary = try await CurationRunner(output: root.appendingPathComponent("out"), stages: stages).run(videos)
        // Random weights do not write the JSON the prompts ask for: the clip unit fails, with the reason recorded.
        #expect(summary.samples == 0)
        #expect(summary.failures.keys.contains { $0.contains("malformed VLM reply") }, "\(summary.failures)")
    }
}

extension LocalQwenClientTests {
    // `vans data curate --vlm DIR` loads the local model from its directory and runs every video through it: the
    // random model's unparseable replies are recorded failures with their reason, and the command still finishes.
    @Test(.enabled(if: vansBinary != nil, "the vans binary is not built next to the tests (swift build --build-tests), or set VANS_BINARY"))
    func curateCommandWithALocalModel() async throws {
        let binary = try #require(vansBinary)
        let root = try scratchDirectory("local-qwen-cli")
        defer { try? FileManager.default.removeItem(at: root) }
        let modelDirectory = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: modelDirectory, withIntermediateDirectories: true)
        _ = try Self.makeModelDirectory(modelDirectory)
        let raw = root.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try writeTestVideo(raw.appendingPathComponent("a.mp4"), shots: 2, width: 64, height: 64)
        try writeTestVideo(raw.appendingPathComponent("b.mp4"), shots: 2, width: 64, height: 64, seed: 4)
        let config = try write(#"{"sources": [{"name": "films", "format": "videos", "videos": "raw"}]}"#, "sources.json", in: root)
        let out = root.appendingPathComponent("out")
        let log = root.appendingPathComponent("curate.log")
        let process = try startVans(binary, ["data", "curate", "--sources", config.path, "--out", out.path, "--vlm", modelDirectory.path, "--json"], log: log)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, Comment(rawValue: logText(log)))
        let summary = try JSONDecoder().decode(CurationSummary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        #expect(summary.videos == 2 && summary.samples == 0)
        #expect(summary.units["video"] == ["failed": 2], "\(summary.units)")
        let reasons = try JobTable(path: out.appendingPathComponent("jobs.sqlite").path).units(stage: "clip").compactMap(\.reason)
        #expect(reasons.count == 2 && reasons.allSatisfy { $0.contains("malformed") || $0.contains("JSON") }, "\(reasons)")
    }
}
