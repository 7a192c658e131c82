// Checks QwenVLVideoProcessor against fixtures from scripts/fixtures/video_qwen.py (qwen-vl-utils 0.0.14,
// transformers 5.23, torch 2.15 AVX2).
import Foundation
import TestSupport
import Testing
import VideoIO
@testable import QwenVL

private struct SamplingFile: Decodable {
    struct Size: Decodable {
        var height: Int
        var width: Int
        var resized_height: Int?
        var resized_width: Int?
    }
    struct Case: Decodable {
        var total_frames: Int
        var video_fps: Double
        var fps: Double
        var min_pixels: Double?
        var max_pixels: Double?
        var error: Bool?
        var nframes: Int?
        var indices: [Int]?
        var sample_fps: Double?
        var sizes: [Size]?
    }
    var cases: [Case]
}

private struct ResizeFile: Decodable {
    struct Case: Decodable {
        var name: String
        var frames: Int
        var height: Int
        var width: Int
        var resized_height: Int
        var resized_width: Int
    }
    struct Patches: Decodable {
        var frames: Int
        var height: Int
        var width: Int
        var shape: [Int]
        var grid_thw: [Int]
    }
    var resize_cases: [Case]
    var patches: Patches
}

private func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/video_qwen/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

private func frames(_ bytes: Data, count: Int, height: Int, width: Int) -> [VideoFrame] {
    let size = height * width * 3
    return (0 ..< count).map { i in
        VideoFrame(width: width, height: height, pixels: [UInt8](bytes[(bytes.startIndex + i * size) ..< (bytes.startIndex + (i + 1) * size)]))
    }
}

@Suite struct QwenVLVideoProcessorTests {
    // Frame counts, linspace indices, sample fps and smart-resized sizes equal qwen-vl-utils' on every fixture case.
    @Test func samplingMatchesQwenVLUtils() throws {
        let file = try JSONDecoder().decode(SamplingFile.self, from: fixture("sampling.json"))
        #expect(file.cases.count > 100)
        for item in file.cases {
            var processor = QwenVLVideoProcessor(fps: item.fps)
            if let minimum = item.min_pixels { processor.minPixels = minimum }
            processor.maxPixels = item.max_pixels
            if item.error == true {
                #expect(throws: QwenVLError.self) { try processor.frameCount(totalFrames: item.total_frames, videoFPS: item.video_fps) }
                continue
            }
            let sampled = try processor.sampledIndices(totalFrames: item.total_frames, videoFPS: item.video_fps)
            #expect(sampled.indices.count == item.nframes)
            #expect(sampled.indices == item.indices, "total \(item.total_frames) @ \(item.video_fps), fps \(item.fps)")
            #expect(abs(sampled.sampleFPS - item.sample_fps!) <= 1e-12 * max(1, item.sample_fps!))
            for size in item.sizes ?? [] {
                if let expectedHeight = size.resized_height, let expectedWidth = size.resized_width {
                    let resized = try processor.resizedSize(height: size.height, width: size.width, frameCount: sampled.indices.count)
                    #expect(resized.height == expectedHeight && resized.width == expectedWidth,
                            "\(size.width)×\(size.height), \(sampled.indices.count) frames")
                } else {
                    #expect(throws: QwenVLError.self) {
                        try processor.resizedSize(height: size.height, width: size.width, frameCount: sampled.indices.count)
                    }
                }
            }
        }
    }

    // The documented worked examples (qwen25vl.md) hold: 9.43 s 1280×720 @30 → 18 frames at 560×1008.
    @Test func workedExamples() throws {
        let processor = QwenVLVideoProcessor()
        let sampled = try processor.sampledIndices(totalFrames: 283, videoFPS: 30)
        #expect(sampled.indices.count == 18)
        #expect(Array(sampled.indices.prefix(4)) == [0, 17, 33, 50] && sampled.indices.last == 282)
        #expect(try processor.resizedSize(height: 720, width: 1280, frameCount: 18) == (560, 1008))
        #expect(try processor.resizedSize(height: 480, width: 832, frameCount: 10) == (476, 840))
    }

    // Antialiased bicubic output is within one level of torchvision's on ≥ 99.9 % of values (down, up, mixed, tall).
    @Test func resizeMatchesTorchvision() throws {
        let file = try JSONDecoder().decode(ResizeFile.self, from: fixture("resize.json"))
        for item in file.resize_cases {
            let input = frames(try fixture("resize_\(item.name)_input.bin"), count: item.frames, height: item.height, width: item.width)
            let expected = try fixture("resize_\(item.name)_output.bin")
            var output: [UInt8] = []
            for frame in input {
                output += Resampling.antialiasedBicubic(frame.pixels, width: item.width, height: item.height,
                                                        toWidth: item.resized_width, height: item.resized_height)
            }
            try #require(output.count == expected.count)
            var withinOne = 0
            var exact = 0
            for (ours, theirs) in zip(output, expected) {
                let difference = abs(Int(ours) - Int(theirs))
                if difference <= 1 { withinOne += 1 }
                if difference == 0 { exact += 1 }
            }
            let fraction = Double(withinOne) / Double(output.count)
            #expect(fraction >= 0.999, "\(item.name): \(fraction) within one level, \(Double(exact) / Double(output.count)) exact")
        }
    }

    // Normalised patches equal transformers' pixel_values_videos within 1e-5 (odd T padded), with the same grid_thw.
    @Test func patchesMatchTransformers() throws {
        let file = try JSONDecoder().decode(ResizeFile.self, from: fixture("resize.json"))
        let spec = file.patches
        let input = frames(try fixture("patches_input.bin"), count: spec.frames, height: spec.height, width: spec.width)
        let result = try QwenVLVideoProcessor().patches(fromResized: input, sampleFPS: 2)
        #expect(result.shape == spec.shape)
        #expect([result.grid.t, result.grid.h, result.grid.w] == spec.grid_thw)
        let expected = try fixture("patches.bin").withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        try #require(expected.count == result.pixelValues.count)
        let worst = zip(result.pixelValues, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= 1e-5)
    }

    // Inverted budgets and extreme aspect ratios throw typed errors instead of trapping.
    @Test func badInputsThrow() {
        #expect(throws: QwenVLError.pixelBudgetInverted(minPixels: 100, maxPixels: 50)) {
            try QwenVLVideoProcessor.smartResize(height: 10, width: 10, factor: 28, minPixels: 100, maxPixels: 50)
        }
        #expect(throws: QwenVLError.aspectRatioTooLarge(height: 1, width: 300)) {
            try QwenVLVideoProcessor.smartResize(height: 1, width: 300, factor: 28, minPixels: 1, maxPixels: 1e9)
        }
        #expect(throws: QwenVLError.self) { try QwenVLVideoProcessor().frameCount(totalFrames: 1, videoFPS: 30) }
        #expect(throws: QwenVLError.self) { try QwenVLVideoProcessor().resize([]) }
    }

    // The file path samples, decodes and patchifies: 24 frames at 8 fps sampled at 2 fps give 6 frames, grid (3, 4, 4).
    @Test func processFileEndToEnd() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("qwen-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("clip.mp4").path
        let clip = (0 ..< 24).map { i in VideoFrame(width: 32, height: 32, pixels: [UInt8](repeating: UInt8(i * 10), count: 32 * 32 * 3)) }
        try VideoWriter.write(clip, to: path, fps: 8, options: VideoEncodingOptions(preset: "ultrafast"))
        var processor = QwenVLVideoProcessor()
        processor.minPixels = 56 * 56
        let input = try processor.process(path: path)
        #expect(input.grid.t == 3 && input.grid.h == 4 && input.grid.w == 4)
        #expect(input.shape == [48, 1176])
        #expect(abs(input.sampleFPS - 2) < 1e-12)
    }
}
