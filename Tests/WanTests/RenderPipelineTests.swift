import Foundation
import TestSupport
import Testing
import Checkpoints
import Tensor
@testable import Wan

/// The whole text-to-video path (umT5 → DiT sampling with CFG → VAE decode) against diffusers' `WanPipeline` on a
/// tiny pipeline directory (scripts/fixtures/wan_render.py).
@Suite("Wan render pipeline parity with diffusers")
struct WanRenderPipelineTests {
    struct Run: Decodable {
        let name, prompt: String
        let negative_prompt: String
        let steps: Int
        let guidance: Float
        let scheduler: String
        let frames, height, width: Int
    }

    static func fixture() throws -> (pipeline: URL, runs: SafetensorsFile, settings: [Run]) {
        let root = try #require(Bundle.module.url(forResource: "Fixtures/wan_render", withExtension: nil))
        let runs = try SafetensorsFile(url: root.appendingPathComponent("runs.safetensors"))
        let metadata = try #require(runs.metadata["runs"])
        let settings = try JSONDecoder().decode([Run].self, from: Data(metadata.utf8))
        return (root.appendingPathComponent("pipeline"), runs, settings)
    }

    // Frames equal diffusers' `output_type="pt"` frames ((x/2 + 0.5) clamped) within 1e-4 for UniPC with guidance
    // and Euler without, given the same initial noise.
    @Test func matchesDiffusers() throws {
        let (directory, runs, settings) = try Self.fixture()
        let pipeline = try WanRenderPipeline(directory: directory)
        let noise = try runs.tensor("noise")
        for run in settings {
            var render = WanRenderSettings()
            render.frames = run.frames
            render.height = run.height
            render.width = run.width
            render.steps = run.steps
            render.guidance = run.guidance
            render.negativePrompt = run.negative_prompt
            render.sampler = run.scheduler == "euler" ? .euler : .uniPC
            let result = try pipeline.render(caption: run.prompt, references: [], settings: render, noise: noise)
            // ours [1, 3, F, H, W] in [−1, 1] → diffusers' [1, F, 3, H, W] in [0, 1]
            let frames = (result.video * 0.5 + 0.5).clamped(min: 0, max: 1).permuted([0, 2, 1, 3, 4]).contiguous()
            let expected = try runs.tensor(run.name)
            #expect(frames.shape == expected.shape)
            let error = relativeError(frames, expected)
            #expect(error < 1e-4, "\(run.name): relative error \(error)")
            #expect(result.frames.count == run.frames)
            #expect(result.frames.first.map { [$0.height, $0.width] } == [run.height, run.width])
        }
    }

    // Frame counts that are not 4k + 1, sizes that are not multiples of 16 and mis-shaped noise are typed errors.
    @Test func refusesBadSettings() throws {
        let (directory, _, _) = try Self.fixture()
        let pipeline = try WanRenderPipeline(directory: directory)
        var settings = WanRenderSettings()
        settings.frames = 6
        #expect(throws: WanError.self) { try pipeline.render(caption: "x", references: [], settings: settings) }
        settings.frames = 5
        settings.height = 30
        #expect(throws: WanError.self) { try pipeline.render(caption: "x", references: [], settings: settings) }
        settings.height = 32
        settings.width = 48
        settings.steps = 1
        #expect(throws: WanError.self) {
            try pipeline.render(caption: "x", references: [], settings: settings, noise: .zeros([1, 4, 2, 4, 7]))
        }
    }

    // A directory whose model_index.json lacks a component is refused, naming it.
    @Test func refusesIncompletePipeline() throws {
        let root = ScratchDirectory.root.appendingPathComponent("wan-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(#"{"_class_name": "WanPipeline", "transformer": ["diffusers", "WanTransformer3DModel"]}"#.utf8)
            .write(to: root.appendingPathComponent("model_index.json"))
        #expect(throws: WanError.self) { try WanRenderPipeline(directory: root) }
    }
}
