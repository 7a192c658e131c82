// Checks WanVideoProcessor against fixtures from scripts/fixtures/video_wan.py (DiffSynth's path on Pillow,
// torchvision, numpy, torch).
import Foundation
import TestSupport
import Testing
import VideoIO
@testable import Wan

private struct CasesFile: Decodable {
    struct Count: Decodable { var available: Int; var requested: Int; var frames: Int }
    struct Resampled: Decodable { var count: Int; var source_fps: Double; var target_fps: Double; var total: Int; var indices: [Int] }
    struct Reference: Decodable { var total: Int; var count: Int; var indices: [Int] }
    struct Crop: Decodable { var name: String; var frames: Int; var height: Int; var width: Int; var target_height: Int; var target_width: Int }
    var frame_counts: [Count]
    var resampled: [Resampled]
    var references: [Reference]
    var crops: [Crop]
}

private func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/video_wan/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

private func load() throws -> CasesFile { try JSONDecoder().decode(CasesFile.self, from: fixture("cases.json")) }

@Suite struct WanVideoProcessorTests {
    // DiffSynth's frame-count rule: the requested count, or the largest 4k+1 the video has; bad requests throw.
    @Test func frameCountsMatchDiffSynth() throws {
        for item in try load().frame_counts {
            #expect(try WanVideoProcessor.frameCount(available: item.available, requested: item.requested) == item.frames,
                    "\(item.available) available, \(item.requested) requested")
        }
        #expect(throws: WanVideoError.frameCountNotFourKPlusOne(32)) { try WanVideoProcessor.frameCount(available: 40, requested: 32) }
    }

    // fps resampling and the VANS reference-frame linspace give the reference's indices.
    @Test func indicesMatchReference() throws {
        let file = try load()
        for item in file.resampled {
            #expect(try WanVideoProcessor.resampledIndices(count: item.count, sourceFPS: item.source_fps,
                                                           targetFPS: item.target_fps, totalFrames: item.total) == item.indices)
        }
        for item in file.references {
            #expect(try WanVideoProcessor.referenceIndices(totalFrames: item.total, count: item.count) == item.indices)
        }
    }

    // Crop-and-resize is byte-identical to Pillow BILINEAR + torchvision center_crop, and the [3, T, H, W] tensor
    // equals DiffSynth's x·2/255 − 1 within 1e-6.
    @Test func cropResizeAndTensorMatch() throws {
        for item in try load().crops {
            let bytes = try fixture("\(item.name)_input.bin")
            let size = item.height * item.width * 3
            let frames = (0 ..< item.frames).map { i in
                VideoFrame(width: item.width, height: item.height, pixels: [UInt8](bytes[(i * size) ..< ((i + 1) * size)]))
            }
            let processor = try WanVideoProcessor(height: item.target_height, width: item.target_width)
            let cropped = frames.flatMap { processor.cropAndResize($0).pixels }
            #expect(cropped == [UInt8](try fixture("\(item.name)_cropped.bin")), "\(item.name)")
            let tensor = try processor.tensor(from: frames)
            #expect(tensor.shape == [3, item.frames, item.target_height, item.target_width])
            let expected = try fixture("\(item.name)_tensor.bin").withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            try #require(expected.count == tensor.values.count)
            #expect(zip(tensor.values, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
            #expect(tensor.values.allSatisfy { $0 >= -1 && $0 <= 1 })
        }
    }

    // Sizes round up to multiples of 16; VAE clips must have 4k+1 frames.
    @Test func sizeAndFrameRules() throws {
        let processor = try WanVideoProcessor(height: 350, width: 630)
        #expect(processor.height == 352 && processor.width == 640)
        let small = try WanVideoProcessor(height: 20, width: 30)
        #expect(small.height == 32 && small.width == 32)
        let frame = VideoFrame(width: 8, height: 8, pixels: [UInt8](repeating: 128, count: 192))
        #expect(throws: WanVideoError.frameCountNotFourKPlusOne(4)) { try small.clip(from: Array(repeating: frame, count: 4)) }
        #expect(try small.clip(from: Array(repeating: frame, count: 5)).shape == [3, 5, 32, 32])
        #expect(throws: WanVideoError.self) { try WanVideoProcessor(height: 0, width: 16) }
        #expect(throws: WanVideoError.self) { try small.tensor(from: []) }
    }

    // A 7-frame file gives a 5-frame (4k+1) clip at the target size, values in [−1, 1].
    @Test func clipFromFile() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("wan-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("clip.mp4").path
        let frames = (0 ..< 7).map { i in VideoFrame(width: 24, height: 16, pixels: [UInt8](repeating: UInt8(i * 30), count: 24 * 16 * 3)) }
        try VideoWriter.write(frames, to: path, fps: 16, options: VideoEncodingOptions(preset: "ultrafast"))
        let clip = try WanVideoProcessor(height: 16, width: 32).clip(path: path, requestedFrames: 17)
        #expect(clip.shape == [3, 5, 16, 32])
        #expect(clip.values.allSatisfy { $0 >= -1 && $0 <= 1 })
    }
}
