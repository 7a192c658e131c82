// Loading Qwen2.5-VL directories: every unused, missing or mis-shaped checkpoint key is an error naming it,
// bad conformance inputs are errors naming the tensor, and bf16 checkpoints stay bf16.
import Checkpoints
import Foundation
import TestSupport
import NN
import Tensor
import Testing
@testable import QwenVL

@Suite("Qwen2.5-VL loading")
struct QwenVLModelLoadingTests {
    /// A copy of the `hub_tied` fixture whose weights went through `edit`.
    private func editedDirectory(_ edit: (inout [String: Tensor]) -> Void) throws -> URL {
        let source = try QwenModelFixtures.directory("hub_tied")
        let directory = ScratchDirectory.root.appendingPathComponent("qwen-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json"))
        var weights = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors")).allTensors()
        edit(&weights)
        try SafetensorsWriter.write(tensors: weights, to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }

    // A checkpoint without one parameter fails naming that (module-tree) key.
    @Test func missingKeyIsNamed() throws {
        let directory = try editedDirectory { $0["model.layers.1.mlp.up_proj.weight"] = nil }
        #expect(throws: NNError.missingKeys(["model.language_model.layers.1.mlp.up_proj.weight"])) {
            _ = try QwenVLModel.load(directory: directory)
        }
    }

    // A tensor no parameter claims fails naming it.
    @Test func extraKeyIsNamed() throws {
        let directory = try editedDirectory { $0["visual.blocks.0.attn.extra.weight"] = Tensor.zeros([2]) }
        #expect(throws: NNError.unusedKeys(["model.visual.blocks.0.attn.extra.weight"])) {
            _ = try QwenVLModel.load(directory: directory)
        }
    }

    // A tensor of the wrong shape fails naming the key and both shapes.
    @Test func misShapedKeyIsNamed() throws {
        let directory = try editedDirectory { $0["model.norm.weight"] = Tensor.zeros([31]) }
        #expect(throws: NNError.shapeMismatch(key: "model.language_model.norm.weight", expected: [32], found: [31])) {
            _ = try QwenVLModel.load(directory: directory)
        }
    }

    // A directory without weights is a typed error, not a crash.
    @Test func directoryWithoutWeightsIsAnError() throws {
        let directory = try editedDirectory { _ in }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        #expect(throws: QwenVLError.self) { _ = try QwenVLModel.load(directory: directory) }
    }

    // bf16-stored weights load as bf16 (memory-mapped, not widened), both heads untied.
    @Test func bfloat16WeightsStayInStoredType() throws {
        let model = try QwenVLModel.load(directory: QwenModelFixtures.directory("bf16_stored"))
        #expect(model.head.weight.dtype == .bfloat16)
        #expect(model.languageModel.layers[0].attention.queryProjection.weight.dtype == .bfloat16)
        #expect(model.visual.patchEmbedding.projection.weight.shape == [16, 3 * 2 * 2 * 2])
    }

    // Placeholder counts that disagree with the grids, wrong pixel widths and out-of-vocabulary ids are named errors.
    @Test func badInputsAreNamedErrors() throws {
        let model = try QwenVLModel.load(directory: QwenModelFixtures.directory("hub_tied"))
        let input = try QwenVLInput(conformanceFile: QwenModelFixtures.file("hub_tied", "video", "inputs"))
        var fewerPads = input
        fewerPads.tokens[0].removeAll { $0 == model.configuration.videoTokenId }
        fewerPads.tokens[0].append(1)
        #expect(throws: QwenVLError.self) { _ = try model.prepare(fewerPads) }
        var narrow = input
        let videos = try #require(input.videos)
        narrow.videos = QwenVLVisualInput(pixels: videos.pixels.sliced(axis: 1, start: 0, end: 5).contiguous(), grids: videos.grids)
        #expect(throws: QwenVLError.invalidModelInput(tensor: "pixel_values_videos",
                                                      reason: "expected floating-point [72, 24] for grids [[3, 4, 6]], got float32 [72, 5]")) {
            _ = try model.prepare(narrow)
        }
        var outside = input
        outside.tokens[0][0] = model.configuration.text.vocabularySize
        #expect(throws: QwenVLError.self) { _ = try model.prepare(outside) }
        var seconds = input
        seconds.secondsPerGrid = [1, 2]
        #expect(throws: QwenVLError.self) { _ = try model.prepare(seconds) }
    }
}

@Suite("Qwen2.5-VL index arithmetic")
struct QwenVLIndexTests {
    // Full-attention segments are whole frames of each grid (the reference note's example).
    @Test func frameOffsetsFollowTemporalSlices() {
        let layout = VisionLayout(grids: [[3, 4, 4], [2, 2, 4]], mergeSize: 2, windowTokens: 4)
        #expect(layout.frameOffsets == [0, 16, 32, 48, 56, 64])
    }

    // Windows tile each frame's merged grid row-major with smaller edge windows; the permutation inverts.
    @Test func windowsTileMergedGrid() {
        // Merged grid 3×5 with 2×2 windows: windows (0,0) (0,1) (0,2) (1,0) (1,1) (1,2) sized 4, 4, 2, 2, 2, 1.
        let layout = VisionLayout(grids: [[1, 6, 10]], mergeSize: 2, windowTokens: 2)
        #expect(layout.windowIndex == [0, 1, 5, 6, 2, 3, 7, 8, 4, 9, 10, 11, 12, 13, 14])
        #expect(layout.windowOffsets == [0, 16, 32, 40, 48, 56, 60])
        #expect(layout.inverseWindowIndex.enumerated().allSatisfy { layout.windowIndex[$0.element] == $0.offset })
    }

    // Patch positions follow merge-block order: (block row, block column, row in block, column in block).
    @Test func patchPositionsInMergeBlockOrder() {
        let layout = VisionLayout(grids: [[1, 2, 4]], mergeSize: 2, windowTokens: 4)
        #expect(layout.rows == [0, 0, 1, 1, 0, 0, 1, 1])
        #expect(layout.columns == [0, 1, 0, 1, 2, 3, 2, 3])
    }

    // Text-only positions are 0..<L on every axis, so M-RoPE reduces to ordinary RoPE.
    @Test func textOnlyPositionsCount() throws {
        let result = try #require(MultimodalPositions.positions(tokens: [5, 6, 7, 8], imageTokenId: 1, videoTokenId: 2,
                                                                images: [], videos: [], mergeSize: 2))
        #expect(result.positions == [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]])
        #expect(result.next == 4)
    }

    // A video's temporal positions are trunc(k · tokens_per_second · second_per_grid) (float, then truncated);
    // text after it continues at start + max(H', W') (transformers 5.x), decoding at max + 1.
    @Test func videoPositionsTruncateAfterMultiplying() throws {
        let tokens = [9] + Array(repeating: 2, count: 3 * 1 * 1) + [9]
        let result = try #require(MultimodalPositions.positions(
            tokens: tokens, imageTokenId: 1, videoTokenId: 2,
            images: [], videos: [VisionPlacement(grid: [3, 2, 2], timeInterval: 2 * 0.75)], mergeSize: 2))
        #expect(result.positions[0] == [0, 1, 2, 4, 2])
        #expect(result.positions[1] == [0, 1, 1, 1, 2])
        #expect(result.next == 5)
    }
}
