// FVD end to end (MP4 → decode → cd-fvd preprocessing → I3D → Fréchet) against cd-fvd's pipeline on the same clips and
// the same seeded random-weight I3D (fixtures: scripts/fixtures/i3d_fvd.py).
import Foundation
import I3D
import Tensor
import Testing
import VideoIO
@testable import VideoMetrics

struct FVDFixture: Decodable {
    var weight_seed: UInt64
    var classes: Int
    var frames: Int
    var generated: [String]
    var reference: [String]
    var pixel_fnv1a: [String: String]
    var preprocessed_sample_every: Int
    var preprocessed_samples: [Float]
    var preprocessed_sum: Double
    var fvd_unbiased: Double
    var fvd_cdfvd_class_biased: Double
}

@Suite("Fréchet video distance")
struct FrechetVideoDistanceTests {
    static let directory = Bundle.module.url(forResource: "Fixtures/i3d_fvd", withExtension: nil)

    static func fixture() throws -> (FVDFixture, URL) {
        let directory = try #require(Self.directory)
        let fixture = try JSONDecoder().decode(FVDFixture.self, from: Data(contentsOf: directory.appendingPathComponent("fvd.json")))
        return (fixture, directory)
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    // The clips are lossless RGB H.264, so our decode must be bit-identical to PyAV's (the frames cd-fvd saw).
    @Test func decodedFramesAreThePythonFrames() throws {
        let (fixture, directory) = try Self.fixture()
        for name in fixture.generated + fixture.reference {
            let frames = try VideoDecoder(path: directory.appendingPathComponent(name).path).decodeAll()
            #expect(frames.count == fixture.frames)
            #expect(String(Self.fnv1a(frames.flatMap(\.pixels))) == fixture.pixel_fnv1a[name], "\(name)")
        }
    }

    // Preprocessing equals cd-fvd's preprocess_i3d (F.interpolate bilinear, align_corners False, to 224², then
    // 2x/255 − 1) up to how the interpolation weights round (torch forms them in float32, the engine's resampler in
    // float64): we measure ≤ 1.9e-6 on values in [−1, 1]; checked on sampled values and the sum of all of them.
    @Test func preprocessingMatchesCdFvd() throws {
        let (fixture, directory) = try Self.fixture()
        let frames = try VideoDecoder(path: directory.appendingPathComponent(fixture.generated[0]).path).decodeAll()
        let values = try FVDPreprocessing.videoTensor(frames: frames, name: fixture.generated[0]).scalars
        let samples = stride(from: 0, to: values.count, by: fixture.preprocessed_sample_every).map { values[$0] }
        #expect(samples.count == fixture.preprocessed_samples.count)
        let worst = zip(samples, fixture.preprocessed_samples).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 5e-6, "largest sampled difference \(worst)")
        let sum = values.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - fixture.preprocessed_sum) < 1e-6 * Double(values.count), "sum \(sum) vs \(fixture.preprocessed_sum)")
    }

    // FVD from the MP4 files within 1e-4 relative of cd-fvd (the bar is 1e-3; we measure ~1.5e-6), for the
    // unbiased `frechet_distance` and the biased `cdfvd.compute_fvd` form, with the video counts reported.
    @Test func matchesCdFvdPipeline() throws {
        let (fixture, directory) = try Self.fixture()
        let shell = try InceptionI3d(configuration: I3DConfiguration(numberOfClasses: fixture.classes))
        let i3d = try InceptionI3d(weights: SeededWeights.stateDict(for: shell, seed: fixture.weight_seed))
        let generated = fixture.generated.map { directory.appendingPathComponent($0) }
        let reference = fixture.reference.map { directory.appendingPathComponent($0) }
        var calls = 0
        let result = try FrechetVideoDistance(i3d: i3d).distance(generated: generated, reference: reference) { done, total in
            calls += 1
            #expect(done == calls && total == 6)
        }
        #expect(result.generatedVideos == 3 && result.referenceVideos == 3 && calls == 6)
        #expect(abs(result.distance - fixture.fvd_unbiased) / fixture.fvd_unbiased < 1e-4, "\(result.distance) vs \(fixture.fvd_unbiased)")
        let biased = try FrechetVideoDistance(i3d: i3d, normalization: .biased).distance(generated: generated, reference: reference)
        #expect(abs(biased.distance - fixture.fvd_cdfvd_class_biased) / fixture.fvd_cdfvd_class_biased < 1e-4,
                "\(biased.distance) vs \(fixture.fvd_cdfvd_class_biased)")
    }

    // Fewer than 2 videos on a side, too-short clips and unreadable files are typed errors naming the problem.
    @Test func rejectsBadInputs() throws {
        let (fixture, directory) = try Self.fixture()
        let i3d = try InceptionI3d(configuration: .kinetics400)
        let one = [directory.appendingPathComponent(fixture.generated[0])]
        #expect(throws: VideoMetricsError.self) { try FrechetVideoDistance(i3d: i3d).distance(generated: one, reference: one + one) }
        #expect(throws: VideoMetricsError.self) {
            try FrechetVideoDistance(i3d: i3d, frames: .first(50)).features(of: one[0])
        }
        #expect(throws: VideoMetricsError.self) { try FrechetVideoDistance(i3d: i3d).features(of: directory.appendingPathComponent("fvd.json")) }
        // A stated frame count uses that many frames (decoding stops there) and still yields one feature vector.
        #expect(try FrechetVideoDistance(i3d: i3d, frames: .first(9)).features(of: one[0]).count == 400)
        let short = [VideoFrame](repeating: VideoFrame(width: 4, height: 4, pixels: [UInt8](repeating: 0, count: 48)), count: 8)
        #expect(throws: VideoMetricsError.self) { try FVDPreprocessing.videoTensor(frames: short, name: "short") }
    }

    // Preprocessing maps 0 → −1 and 255 → 1 and resizes straight to 224×224 (no crop), keeping every frame.
    @Test func preprocessingRangeAndShape() throws {
        let frames = (0..<9).map { t in VideoFrame(width: 6, height: 3, pixels: [UInt8](repeating: t.isMultiple(of: 2) ? 255 : 0, count: 54)) }
        let tensor = try FVDPreprocessing.videoTensor(frames: frames, name: "flat")
        #expect(tensor.shape == [1, 3, 9, 224, 224])
        let values = tensor.scalars, plane = 224 * 224
        #expect(values[0] == 1 && values[plane * 1] == -1 && values[plane * 8 + 5] == 1)
    }
}
