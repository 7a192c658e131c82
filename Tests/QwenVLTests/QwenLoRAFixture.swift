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

/// The by-hand probes' model (`VANS_GROUP_PROBE`, `VANS_RECOMPUTE_PROBE`): an 8-layer, width-512 decoder over the
/// VANS-Synth vision tower, seeded uniform weights (norm gains near 1), tied head.
func probeModel() throws -> QwenVLModel {
    var configuration = QwenVLConfiguration()
    configuration.text = QwenVLPreset.synthText(vocabularySize: 1000, endOfText: 998, endOfTurn: 999)
    (configuration.text.hiddenSize, configuration.text.attentionHeads, configuration.text.keyValueHeads) = (512, 8, 2)
    (configuration.text.intermediateSize, configuration.text.hiddenLayers, configuration.text.mropeSection) = (1376, 8, [8, 12, 12])
    configuration.vision = QwenVLPreset.synthVision
    configuration.vision.outHiddenSize = 512
    (configuration.imageTokenId, configuration.videoTokenId, configuration.visionStartTokenId, configuration.visionEndTokenId) = (994, 995, 996, 997)
    let model = QwenVLModel(configuration: configuration)
    var generator = RandomGenerator(seed: 1)
    var weights: [String: Tensor] = [:]
    for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) where key != "lm_head.weight" {
        weights[key] = key.contains("norm") || key.contains("ln_q") ? generator.uniform(tensor.shape, low: 0.9, high: 1.1)
            : generator.uniform(tensor.shape, low: -0.05, high: 0.05)
    }
    try model.load(weights: weights)
    return model
}
