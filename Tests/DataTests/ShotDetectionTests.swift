// Checks the shot detector against PySceneDetect 0.7 / OpenCV fixtures from scripts/fixtures/shots.py.
import Foundation
import Testing
@testable import Data

/// The committed reference values (Fixtures/shots/shots_reference.json).
struct ShotsReference: Decodable {
    struct HSV: Decodable { let channel_checksums: [Int64] }
    struct Synthetic: Decodable {
        let width: Int, height: Int, downscale: Bool
        let segments: [[Int]]
        let cuts: [Int]
        let stats: [[Double]]
    }
    struct Resize: Decodable {
        let width: Int, height: Int, seed: Int, out_width: Int, out_height: Int
        let checksum: Int64
        let first_row: [UInt8]
    }
    struct Flash: Decodable { let mode: String, length: Int, above: String, cuts: [Int] }
    struct Video: Decodable {
        let file: String, fps: Double, frames: Int
        let cuts: [Int]
        let scenes: [[Int]]
        let frame_checksums: [Int64]
        let stats: [[Double]]
    }
    let hsv: HSV
    let synthetic: [Synthetic]
    let resize: [Resize]
    let flash_filter: [Flash]
    let videos: [Video]

    static func load() throws -> ShotsReference {
        let url = try #require(Bundle.module.url(forResource: "shots_reference", withExtension: "json", subdirectory: "Fixtures/shots"))
        return try JSONDecoder().decode(ShotsReference.self, from: Data(contentsOf: url))
    }
}

/// Frame generators mirroring shots.py bit for bit.
enum ShotsFrames {
    static func pattern(width: Int, height: Int, seed: Int) throws -> PackedImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let index = (y * width + x) * 3
                pixels[index] = UInt8((x * (3 + seed) + y * 5 + seed * 17) % 256)
                pixels[index + 1] = UInt8(((x ^ y) * (seed + 1) + y * 2) % 256)
                pixels[index + 2] = UInt8(((x * y) / (seed + 2) + seed * 40) % 256)
            }
        }
        return try PackedImage(width: width, height: height, order: .bgr, pixels: pixels)
    }

    static func sceneFrame(width: Int, height: Int, scene: Int, time t: Int) throws -> PackedImage {
        if scene == 9 {
            return try PackedImage(width: width, height: height, order: .bgr, pixels: [UInt8](repeating: 250, count: width * height * 3))
        }
        let side = height / 4
        let left = (t * 3 + scene * 11) % (width - side)
        let top = (t * 2 + scene * 7) % (height - side)
        let divisor = scene == 5 ? 16 : 1
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in 0..<height {
                let inSquareRow = y >= top && y < top + side
                for x in 0..<width {
                    let index = (y * width + x) * 3
                    if inSquareRow && x >= left && x < left + side {
                        buffer[index] = UInt8((255 - (40 * scene) % 256) / divisor)
                        buffer[index + 1] = UInt8(60 / divisor)
                        buffer[index + 2] = UInt8(200 / divisor)
                    } else {
                        buffer[index] = UInt8((x * (2 + scene) + t * 2 + scene * 50) % 256 / divisor)
                        buffer[index + 1] = UInt8((y * (3 + scene) + t + scene * 30) % 256 / divisor)
                        buffer[index + 2] = UInt8(((x ^ y) * (scene + 1) + scene * 70) % 256 / divisor)
                    }
                }
            }
        }
        return try PackedImage(width: width, height: height, order: .bgr, pixels: pixels)
    }

    static func checksum(_ bytes: [UInt8]) -> Int64 {
        // Weights cycle 1...65521 without a division per byte (debug builds are slow).
        var total = 0
        var weight = 1
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                total &+= Int(byte) &* weight
                weight = weight == 65521 ? 1 : weight &+ 1
            }
        }
        return Int64(total)
    }
}

@Suite struct ShotDetectionTests {
    let reference: ShotsReference

    init() throws { reference = try ShotsReference.load() }

    // Invariant: our 8-bit BGR→HSV equals cv2.cvtColor(COLOR_BGR2HSV) on all 2^24 colours.
    @Test func hsvMatchesOpenCVOnEveryColour() throws {
        var pixels = [UInt8](repeating: 0, count: 1 << 24 * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<(1 << 24) {
                buffer[index * 3] = UInt8(index >> 16)
                buffer[index * 3 + 1] = UInt8((index >> 8) & 255)
                buffer[index * 3 + 2] = UInt8(index & 255)
            }
        }
        let planes = OpenCVColor.hsv(try PackedImage(width: 4096, height: 4096, order: .bgr, pixels: pixels))
        let checksums = [planes.hue, planes.saturation, planes.value].map(ShotsFrames.checksum)
        #expect(checksums == reference.hsv.channel_checksums)
    }

    // Invariant: RGB input gives the same HSV as the same colours in BGR order.
    @Test func hsvHonoursChannelOrder() throws {
        let bgr = try ShotsFrames.pattern(width: 17, height: 9, seed: 3)
        var swapped = bgr.pixels
        for index in stride(from: 0, to: swapped.count, by: 3) { swapped.swapAt(index, index + 2) }
        let rgb = try PackedImage(width: 17, height: 9, order: .rgb, pixels: swapped)
        #expect(OpenCVColor.hsv(rgb) == OpenCVColor.hsv(bgr))
    }

    // Invariant: SceneManager's downscale (size rule + cv2.resize INTER_LINEAR) is bit-exact.
    @Test func downscaleMatchesOpenCVResize() throws {
        for testCase in reference.resize {
            let image = try ShotsFrames.pattern(width: testCase.width, height: testCase.height, seed: testCase.seed)
            let size = OpenCVResize.sceneManagerSize(width: testCase.width, height: testCase.height)
            #expect(size.width == testCase.out_width && size.height == testCase.out_height, "size for \(testCase.width)×\(testCase.height)")
            let resized = try OpenCVResize.linear(image, width: size.width, height: size.height)
            #expect(Array(resized.pixels.prefix(48)) == testCase.first_row, "first row for \(testCase.width)×\(testCase.height)")
            #expect(ShotsFrames.checksum(resized.pixels) == testCase.checksum, "checksum for \(testCase.width)×\(testCase.height)")
        }
    }

    // Invariant: frames whose larger side is under 256 are not resized; exactly 256 is not either.
    @Test func smallFramesAreNotDownscaled() {
        #expect(OpenCVResize.sceneManagerSize(width: 200, height: 100) == (200, 100))
        #expect(OpenCVResize.sceneManagerSize(width: 256, height: 144) == (256, 144))
        #expect(OpenCVResize.sceneManagerSize(width: 100, height: 512) == (50, 256))
    }

    // Invariant: FlashFilter emits the same cuts as PySceneDetect's in both modes and all lengths.
    @Test func flashFilterMatchesPySceneDetect() throws {
        for testCase in reference.flash_filter {
            var filter = FlashFilter(mode: try #require(FlashFilter.Mode(rawValue: testCase.mode)), length: testCase.length)
            var emitted: [Int] = []
            for (index, flag) in testCase.above.enumerated() {
                emitted += filter.filter(frame: index, aboveThreshold: flag == "1")
            }
            #expect(emitted == testCase.cuts, "mode \(testCase.mode), length \(testCase.length)")
        }
    }

    // Invariant: on rendered scenes (cuts, a 5-frame scene, a flash, a dark scene) every frame's
    // content_val, HSV and edge components equal PySceneDetect's stats, and the cuts agree.
    @Test func syntheticScenesMatchStats() throws {
        for testCase in reference.synthetic {
            var frames: [PackedImage] = []
            for segment in testCase.segments {
                for t in 0..<segment[1] {
                    frames.append(try ShotsFrames.sceneFrame(width: testCase.width, height: testCase.height, scene: segment[0], time: t))
                }
            }
            var options = ShotDetectionOptions()
            options.downscaleToWidth = testCase.downscale ? 256 : nil
            options.computeEdges = true  // PySceneDetect computes edges whenever it collects stats
            let result = try ShotDetector.detect(frames, framesPerSecond: 30, options: options)
            #expect(result.cuts == testCase.cuts)
            try #require(result.scores.count == testCase.stats.count)
            var worst = 0.0
            for (score, expected) in zip(result.scores, testCase.stats) {
                let ours = [score.contentValue, score.deltaHue, score.deltaSaturation, score.deltaLuminance, score.deltaEdges]
                for (a, b) in zip(ours, expected) { worst = max(worst, abs(a - b)) }
            }
            // Both sides sum integers exactly and divide once, so agreement is to rounding only.
            #expect(worst <= 1e-9, "largest stats difference \(worst) at \(testCase.width)×\(testCase.height)")
        }
    }

    // Invariant: scenes are [start, end) ranges split at the cuts, covering every frame once.
    @Test func scenesFromCuts() throws {
        let scenes = Scene.scenes(fromCuts: [50, 20, 50, 0, 99], frameCount: 80, framesPerSecond: 25)
        #expect(scenes.map { [$0.startFrame, $0.endFrame] } == [[0, 20], [20, 50], [50, 80]])
        #expect(scenes[1].startSeconds == 0.8 && scenes[1].endSeconds == 2.0)
        #expect(Scene.scenes(fromCuts: [], frameCount: 80, framesPerSecond: 25).map(\.frameCount) == [80])
        #expect(Scene.scenes(fromCuts: [], frameCount: 80, framesPerSecond: 25, startInScene: false).isEmpty)
    }

    // Invariant: the paper's filter keeps scenes of 3 s or more and drops shorter ones.
    @Test func droppingShortScenes() throws {
        let scenes = Scene.scenes(fromCuts: [74, 149], frameCount: 300, framesPerSecond: 25)
        #expect(Scene.droppingShort(scenes).map(\.startFrame) == [74, 149])
        #expect(Scene.droppingShort(scenes, minimumSeconds: 5).map(\.startFrame) == [149])
    }

    // Invariant: the automatic edge dilation size follows PySceneDetect's rule (odd, from √(W·H)/192).
    @Test func edgeKernelSize() {
        #expect(EdgeMap.kernelSize(width: 256, height: 144) == 5)
        #expect(EdgeMap.kernelSize(width: 96, height: 64) == 5)
        #expect(EdgeMap.kernelSize(width: 1920, height: 1080) == 13)
        #expect(EdgeMap.median(of: [1, 9, 3, 7]) == 5 && EdgeMap.median(of: [4, 0, 200]) == 4)
    }

    // Invariant: malformed input gives typed errors that name the problem, never a crash.
    @Test func badInputThrows() throws {
        #expect(throws: DataError.malformedImage(width: 2, height: 2, byteCount: 5)) {
            try PackedImage(width: 2, height: 2, order: .rgb, pixels: [UInt8](repeating: 0, count: 5))
        }
        var detector = try ShotDetector(framesPerSecond: 25)
        try detector.process(try ShotsFrames.pattern(width: 8, height: 6, seed: 1))
        #expect(throws: DataError.frameSizeChanged(frameIndex: 1, expected: "8×6", actual: "6×8")) {
            try detector.process(try ShotsFrames.pattern(width: 6, height: 8, seed: 1))
        }
        #expect(throws: DataError.self) { try ShotDetector(framesPerSecond: 0) }
        #expect(throws: DataError.self) { try ContentDetector(threshold: -1) }
        #expect(throws: DataError.self) { try ContentDetector(minimumSceneLength: -2) }
        #expect(throws: DataError.self) { try ContentDetector(weights: .init(hue: 0, saturation: 0, luminance: 0)) }
        #expect(throws: DataError.self) { try ContentDetector(kernelSize: 4) }
        #expect(throws: DataError.invalidScene(startFrame: 5, endFrame: 5)) { try Scene(startFrame: 5, endFrame: 5, framesPerSecond: 25) }
        #expect(DataError.malformedImage(width: 2, height: 2, byteCount: 5).description.contains("needs 12 bytes"))
    }
}
