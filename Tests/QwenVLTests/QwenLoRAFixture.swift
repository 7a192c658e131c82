// Loads the tiny models and inputs of scripts/fixtures/qwen_lora.py for the generation and LoRA tests.
import Checkpoints
import Foundation
import Tensor
import Testing
@testable import QwenVL

/// One case directory of Fixtures/qwen_lora: a tiny random Qwen2.5-VL, its PEFT adapter and a video prompt.
struct QwenLoRAFixture {
    let directory: URL
    let prompt: [Int]
    let completion: [Int]
    let pixels: Tensor
    let grid: [Int]
    let secondsPerGrid: Float
    let weights: Tensor
    let temperature: Float

    static let names = ["default_targets", "attention_rank4"]

    init(_ name: String) throws {
        directory = try #require(Bundle.module.url(forResource: "Fixtures/qwen_lora/\(name)", withExtension: nil))
        let inputs = try SafetensorsFile(url: directory.appendingPathComponent("inputs.safetensors"))
        let ids = try inputs.tensor("input_ids").int64Scalars.map(Int.init)
        let promptLength = Int(try inputs.tensor("prompt_length").int64Scalars[0])
        prompt = Array(ids[..<promptLength])
        completion = Array(ids[promptLength...])
        pixels = try inputs.tensor("pixel_values_videos")
        grid = try inputs.tensor("video_grid_thw").int64Scalars.map(Int.init)
        secondsPerGrid = try inputs.tensor("second_per_grid_ts").scalars[0]
        weights = try inputs.tensor("weights")
        temperature = try inputs.tensor("temperature").scalars[0]
    }

    /// The base model, loaded through its checkpoint rules with every key verified.
    func model() throws -> QwenVLModel {
        try QwenVLModel.load(directory: directory)
    }

    /// The prompt as the model takes it.
    var input: QwenVLInput {
        QwenVLInput(tokens: [prompt], videos: QwenVLVisualInput(pixels: pixels, grids: [grid]), secondsPerGrid: [secondsPerGrid])
    }

    var adapterDirectory: URL { directory.appendingPathComponent("adapter") }

    /// Reference tensors: loss, token_log_probs and `<peft key>.grad`.
    func expected() throws -> [String: Tensor] {
        try SafetensorsFile(url: directory.appendingPathComponent("expected.safetensors")).allTensors()
    }
}

/// max |a − b| / max(1, max |b|).
func relativeDifference(_ ours: [Float], _ theirs: [Float]) -> Float {
    precondition(ours.count == theirs.count)
    let scale = max(1, theirs.map(abs).max() ?? 0)
    return (zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0) / scale
}
