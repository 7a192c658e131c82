import Foundation
import TestSupport
import Tensor
import Testing
import VideoIO
@testable import CLIP

@Suite struct CLIPImageProcessorTests {
    static func frames() throws -> [VideoFrame] {
        let directory = try CLIPFixtures.directory("processor")
        let stored = try #require(try CLIPFixtures.tensors(directory.appendingPathComponent("frames.safetensors"))["frames"])
        let (count, height, width) = (stored.shape[0], stored.shape[1], stored.shape[2])
        let bytes = stored.contiguous().scalars.map { UInt8($0) }
        return (0 ..< count).map { index in
            VideoFrame(width: width, height: height,
                       pixels: Array(bytes[(index * height * width * 3) ..< ((index + 1) * height * width * 3)]))
        }
    }

    // Our decoder gives the frames PyAV gave the reference, byte for byte (so the processor sees the same input).
    @Test func decodedFramesMatchThePythonDecode() throws {
        let directory = try CLIPFixtures.directory("processor")
        let decoded = try VideoDecoder(path: directory.appendingPathComponent("clip.mp4").path).decodeAll()
        let stored = try Self.frames()
        #expect(decoded.count == stored.count)
        for (ours, theirs) in zip(decoded, stored) { #expect(ours.pixels == theirs.pixels) }
    }

    // pixel_values equal CLIPImageProcessorPil's within 1/255 (in fact to float rounding) for downscaling,
    // upscaling, non-square crops, crops larger than the image (zero padding), bilinear, fixed-size and no-crop configs.
    @Test(arguments: ["downscale", "upscale", "pad_bilinear", "fixed_size", "resize_only"])
    func pixelValuesMatchTransformers(_ name: String) throws {
        let directory = try CLIPFixtures.directory("processor")
        let processor = try CLIPImageProcessor.load(from: directory.appendingPathComponent("\(name).json"))
        let frames = try Self.frames()
        let values = try processor.pixelValues(for: [frames[0], frames[frames.count - 1]])
        let expected = try #require(try CLIPFixtures.tensors(directory.appendingPathComponent("pixel_values.safetensors"))[name])
        #expect(values.shape == expected.shape)
        let difference = zip(values.scalars, expected.contiguous().scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-5)
    }

    // The shortest-edge rule floors the long side as transformers' int(edge · long / short) does.
    @Test func resizedSizeFloorsTheLongSide() {
        let processor = CLIPImageProcessor()
        #expect(processor.resizedSize(width: 640, height: 360) == (398, 224))
        #expect(processor.resizedSize(width: 300, height: 301) == (224, 224))
        #expect(processor.resizedSize(width: 100, height: 333) == (224, 745))
    }

    // Malformed preprocessor configs are errors naming the file and key.
    @Test func badConfigsNameTheKey() throws {
        let file = ScratchDirectory.root.appendingPathComponent("clip-preprocessor-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        for (json, key) in [(#"{"resample": 5}"#, "resample"), (#"{"image_std": [1, 0, 1]}"#, "image_std"),
                            (#"{"size": {"longest_edge": 3}}"#, "size"), (#"{"do_resize": 1}"#, "do_resize")] {
            try Data(json.utf8).write(to: file)
            #expect(throws: CLIPError.self) { try CLIPImageProcessor.load(from: file) }
            do { _ = try CLIPImageProcessor.load(from: file) } catch { #expect(error.description.contains(key)) }
        }
    }
}
