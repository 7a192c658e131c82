import Foundation
import Testing
@testable import Data

/// Same seed, same bytes across processes and machines, not only within one process: the digest of every
/// file of a small dataset is pinned here. libx264 is pinned to its AVX2 code and swscale to bit-exact
/// rounding (VideoEncoder), so any machine with AVX2 and Debian 12's FFmpeg 5.1 / libx264 164 writes
/// these bytes; another FFmpeg or x264 build may legitimately differ, and then this test says which files.
@Suite("VANS-Synth bytes are pinned")
struct SynthGoldenBytesTests {
    /// FNV-1a (64-bit) of each file, by relative path.
    static func digests(of directory: URL) throws -> [String: String] {
        try SynthDatasetTests.files(in: directory).mapValues { data in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return String(hash, radix: 16)
        }
    }

    /// Written on an AMD EPYC (Zen 4, AVX-512) and checked there under MALLOC_PERTURB_, VANS_CPU=baseline
    /// and pinned to either core.
    static let expected: [String: String] = [
        "manifest.jsonl": "fd50ac68879262a3",
        "videos/eval-f00000-input.mp4": "5b10f2f77d8760d4",
        "videos/eval-f00000-q0-answer.mp4": "99a498792cac9001",
        "videos/eval-f00000-q1-answer.mp4": "7ec334f087221267",
        "videos/eval-p00000-input.mp4": "bb9b43a9d37e33a3",
        "videos/eval-p00000-q0-answer.mp4": "117cc674f08bcbaa",
        "videos/eval-p00001-input.mp4": "d78434de946f64a0",
        "videos/eval-p00001-q0-answer.mp4": "ee2518b339db66c",
    ]

    @Test func smallDatasetHasPinnedBytes() throws {
        let directory = try SynthDatasetTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try SynthDataset.write(SynthConfiguration(count: 4, seed: 2026, split: .eval, size: 32), to: directory, concurrent: true)
        let found = try Self.digests(of: directory)
        let differing = found.keys.sorted().filter { found[$0] != Self.expected[$0] }
        #expect(differing.isEmpty && found.count == Self.expected.count,
                "files whose bytes changed: \(differing.map { "\($0) = \(found[$0]!)" })")
    }
}
