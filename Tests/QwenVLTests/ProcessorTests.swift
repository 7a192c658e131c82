// Checks QwenVLProcessor against scripts/fixtures/qwen_processor.py (qwen-vl-utils 0.0.14 process_vision_info,
// then transformers 5.25 Qwen2_5_VLProcessor) on bit-identical synthetic decoded frames.
import Foundation
import TestSupport
import Testing
import Tokenizers
import VideoIO
@testable import QwenVL

struct ProcessorFile: Decodable {
    struct Options: Decodable {
        var fps: Double?
        var min_pixels: Double?
        var max_pixels: Double?
        var max_frames: Int?
    }
    struct Case: Decodable {
        var name: String
        var kind: String
        var seed: UInt64
        var frames: Int
        var video_fps: Double
        var height: Int
        var width: Int
        var options: Options
        var question: String
        var system_prompt: Bool
        var prompt: String
        var input_ids: [Int]
        var grid_thw: [Int]
        var shape: [Int]
        var row_stride: Int
        var stored_rows: Int
        var pixel_sum: Double
        var pixel_sum_squares: Double
        var second_per_grid_ts: [Float]?
        var frame_indices: [Int]?
        var resized: [Int]
    }
    var system_prompt: String
    var cases: [Case]
}

private func fixtureURL(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: "Fixtures/qwen_processor/\(name)", withExtension: nil))
}

/// The fixture script's `frame_pixels`, ported exactly: a ramp mixed with a multiplicative hash.
func syntheticFrames(seed: UInt64, count: Int, height: Int, width: Int) -> [VideoFrame] {
    (0 ..< count).map { t in
        var pixels = [UInt8](repeating: 0, count: height * width * 3)
        for y in 0 ..< height {
            for x in 0 ..< width {
                for c in 0 ..< 3 {
                    let (t64, y64, x64, c64) = (UInt64(t), UInt64(y), UInt64(x), UInt64(c))
                    let smooth = (5 * x64 + 3 * y64 + 17 * t64 + 60 * c64 + seed) % 256
                    let noise = (((73 * x64 + 151 * y64 + 199 * t64 + 37 * c64 + seed) &* 2_654_435_761) & 0xFFFF_FFFF) >> 24
                    pixels[(y * width + x) * 3 + c] = UInt8((3 * smooth + noise) / 4)
                }
            }
        }
        return VideoFrame(width: width, height: height, pixels: pixels, index: t)
    }
}

func processor(for item: ProcessorFile.Case, tokenizer: Tokenizer) -> QwenVLProcessor {
    var options = QwenVLProcessor.Options.paperEvaluation
    if let fps = item.options.fps { options.fps = fps }
    if let maxFrames = item.options.max_frames { options.maxFrames = maxFrames }
    if item.kind == "video" {
        if let minimum = item.options.min_pixels { options.videoMinPixels = minimum }
        options.videoMaxPixels = item.options.max_pixels
    } else {
        if let minimum = item.options.min_pixels { options.imageMinPixels = minimum }
        if let maximum = item.options.max_pixels { options.imageMaxPixels = maximum }
    }
    return QwenVLProcessor(tokenizer: tokenizer, options: options,
                           systemPrompt: item.system_prompt ? ChatTemplate.vansSystemPrompt : nil)
}

@Suite struct QwenVLProcessorTests {
    let file: ProcessorFile
    let tokenizer: Tokenizer

    init() throws {
        file = try JSONDecoder().decode(ProcessorFile.self, from: Data(contentsOf: fixtureURL("cases.json")))
        tokenizer = try Tokenizer(directory: try fixtureURL("tokenizer.json").deletingLastPathComponent())
    }

    // The VANS system prompt is the paper's sentence byte for byte (the fixture's copy).
    @Test func systemPromptIsThePapers() {
        #expect(ChatTemplate.vansSystemPrompt == file.system_prompt)
    }

    // Prompt text, input ids (exact), grids, second_per_grid_ts and sampled frames equal the reference's on
    // every case: paper profile, fps 1 with non-integral 2/fps, short clips, frame caps, tall frames, an image.
    @Test func idsAndGridsMatchReference() throws {
        #expect(file.cases.count >= 6)
        for item in file.cases {
            let processor = processor(for: item, tokenizer: tokenizer)
            let frames = syntheticFrames(seed: item.seed, count: item.frames, height: item.height, width: item.width)
            let input: QwenVLPrompt
            if item.kind == "video" {
                input = try processor.prepare(question: item.question, frames: frames, videoFPS: item.video_fps)
                let sampled = try processor.videoProcessor.sampledIndices(totalFrames: item.frames, videoFPS: item.video_fps)
                #expect(sampled.indices == item.frame_indices, "\(item.name)")
                #expect(input.secondPerGridTs == item.second_per_grid_ts, "\(item.name)")
                let grid = try #require(input.videoGrid)
                #expect([grid.temporal, grid.height, grid.width] == item.grid_thw, "\(item.name)")
                #expect(input.video?.shape == item.shape, "\(item.name)")
            } else {
                let image = try processor.imageProcessor.process(frames[0])
                input = try processor.prepare(question: item.question, image: image)
                #expect([image.grid.temporal, image.grid.height, image.grid.width] == item.grid_thw, "\(item.name)")
                #expect(image.shape == item.shape, "\(item.name)")
            }
            #expect(input.prompt == item.prompt, "\(item.name)")
            #expect(input.inputIDs == item.input_ids, "\(item.name)")
        }
    }

    // pixel_values(_videos) equal the reference's within 1e-5 on the stored rows, and the whole tensor's sum and
    // sum of squares agree within 1e-5 per value. fps2_capped is the case that needs the cubic weights' fused
    // multiply-adds (Resampling.cubic): without them one value of its 90×62 → 56×28 resize lands at exactly 123.5
    // where torch has 123.49998, and rounds one level away.
    @Test func pixelsMatchReference() throws {
        for item in file.cases {
            try checkPixels(item)
        }
    }

    func checkPixels(_ item: ProcessorFile.Case) throws {
            let processor = processor(for: item, tokenizer: tokenizer)
            let frames = syntheticFrames(seed: item.seed, count: item.frames, height: item.height, width: item.width)
            let values: [Float]
            let columns: Int
            if item.kind == "video" {
                let video = try processor.videoProcessor.process(frames: frames, videoFPS: item.video_fps)
                (values, columns) = (video.pixelValues, video.shape[1])
            } else {
                let image = try processor.imageProcessor.process(frames[0])
                (values, columns) = (image.pixelValues, image.shape[1])
            }
            try #require(values.count == item.shape[0] * item.shape[1], "\(item.name)")
            let expected = try Data(contentsOf: fixtureURL("\(item.name).bin")).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            try #require(expected.count == item.stored_rows * columns, "\(item.name)")
            var worst: Float = 0
            for stored in 0 ..< item.stored_rows {
                let row = stored * item.row_stride
                for column in 0 ..< columns {
                    let difference = abs(values[row * columns + column] - expected[stored * columns + column])
                    worst = max(worst, difference / max(1, abs(expected[stored * columns + column])))
                }
            }
            #expect(worst <= 1e-5, "\(item.name): worst relative difference \(worst)")
            let sum = values.reduce(0.0) { $0 + Double($1) }
            let squares = values.reduce(0.0) { $0 + Double($1) * Double($1) }
            let bound = 1e-5 * Double(values.count)
            #expect(abs(sum - item.pixel_sum) <= bound, "\(item.name): sum \(sum) vs \(item.pixel_sum)")
            #expect(abs(squares - item.pixel_sum_squares) <= 4 * bound, "\(item.name): squares \(squares) vs \(item.pixel_sum_squares)")
    }

    // A model's own patch, temporal patch and merge sizes shape the patches, the grid and second_per_grid_ts.
    @Test func followsTheModelsVisionSizes() throws {
        var vision = QwenVisionConfiguration()
        (vision.patchSize, vision.temporalPatchSize, vision.spatialMergeSize) = (7, 1, 2)
        var options = QwenVLProcessor.Options.paperEvaluation
        options.videoMinPixels = 784
        options.videoMaxPixels = 784
        options.processorMinPixels = 784  // no second resize by the processor's own floor
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: options, vision: vision)
        let input = try processor.prepare(question: "?", frames: syntheticFrames(seed: 2, count: 8, height: 28, width: 28), videoFPS: 2)
        #expect(input.video?.shape == [4 * 4 * 4, 3 * 1 * 7 * 7])            // 4 frames, 14-pixel factor → 2×2 blocks of 2×2
        #expect(input.videoGrid == VisionGrid(temporal: 4, height: 4, width: 4))
        #expect(input.secondPerGridTs == [Float(1.0 / 1.0)])                    // 1 frame per patch at 1 fps
    }

    // A text-only prompt has no vision tokens and no second_per_grid_ts; the default system turn is inserted
    // when the processor has none.
    @Test func textOnlyPrompt() throws {
        let processor = QwenVLProcessor(tokenizer: tokenizer, systemPrompt: nil)
        let input = try processor.prepare(question: "What happens next?")
        #expect(input.prompt == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat happens next?<|im_end|>\n<|im_start|>assistant\n")
        #expect(input.secondPerGridTs.isEmpty && input.video == nil && input.image == nil)
        #expect(tokenizer.decode(input.inputIDs) == input.prompt)
    }

    // The file path (FFmpeg decode) and the decoded-frames path give the same input for the same frames.
    @Test func filePathEqualsFramesPath() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("qwen-processor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("clip.mp4").path
        let clip = syntheticFrames(seed: 9, count: 20, height: 32, width: 48)
        try VideoWriter.write(clip, to: path, fps: 5, options: VideoEncodingOptions(preset: "ultrafast"))
        var options = QwenVLProcessor.Options.paperEvaluation
        options.videoMinPixels = 784
        options.videoMaxPixels = 784 * 4
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: options)
        let fromFile = try processor.prepare(question: "Next?", videoPath: path)
        let decoded = try VideoDecoder(path: path).decodeAll()
        let fromFrames = try processor.prepare(question: "Next?", frames: decoded, videoFPS: 5)
        #expect(fromFile == fromFrames)
        #expect(fromFile.video?.grid.t == 2)  // 4 s at 1 fps → 4 frames → 2 temporal patches
        #expect(fromFile.secondPerGridTs == [2])
    }

    // Unusable inputs are typed errors: too thin a frame for the budget, a prompt/grid count mismatch.
    @Test func badInputsThrow() throws {
        var options = QwenVLProcessor.Options.paperEvaluation
        options.videoMinPixels = 784
        options.videoMaxPixels = 784 * 2
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: options)
        let thin = syntheticFrames(seed: 1, count: 8, height: 120, width: 6)
        #expect(throws: QwenVLError.self) { try processor.prepare(question: "?", frames: thin, videoFPS: 2) }
        #expect(throws: QwenVLError.self) {
            try processor.template.expandVisionPlaceholders(in: "<|video_pad|>", imageGrids: [], videoGrids: [])
        }
    }
}
