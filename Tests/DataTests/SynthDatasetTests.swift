import Foundation
import TestSupport
import Testing
@testable import Data

@Suite("VANS-Synth dataset files and validation")
struct SynthDatasetTests {
    static func temporaryDirectory() throws -> URL {
        let directory = ScratchDirectory.root.appendingPathComponent("synth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Every file under `directory`, by relative path.
    static func files(in directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory.path).sorted() {
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[name] = try Data(contentsOf: url)
            }
        }
        return result
    }

    // Same seed → identical bytes of every file, whether scenes render in parallel or one by one.
    @Test func sameSeedSameBytes() throws {
        let first = try Self.temporaryDirectory(), second = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: first); try? FileManager.default.removeItem(at: second) }
        let configuration = SynthConfiguration(count: 6, seed: 11, split: .eval, size: 32)
        let summary = try SynthDataset.write(configuration, to: first, concurrent: true)
        _ = try SynthDataset.write(configuration, to: second, concurrent: false)
        let a = try Self.files(in: first), b = try Self.files(in: second)
        #expect(a.count == summary.videos + 1)
        #expect(a == b)
        #expect(summary.procedural == 3 && summary.predictive == 3)
        // A different seed gives a different dataset.
        let third = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: third) }
        _ = try SynthDataset.write(SynthConfiguration(count: 6, seed: 12, split: .eval, size: 32), to: third)
        #expect(try Self.files(in: third)[Manifest.fileName] != a[Manifest.fileName])
    }

    // A freshly written dataset validates; its manifest names only files that exist, with matching ranges.
    @Test func writtenDatasetValidates() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try SynthDataset.write(SynthConfiguration(count: 5, seed: 3, size: 32), to: directory)
        let report = try DatasetValidator.validate(directory)
        #expect(report.problems == [])
        #expect(report.samples == 5)
        let samples = try Manifest.read(from: directory.appendingPathComponent(Manifest.fileName))
        #expect(samples.allSatisfy { $0.answerRange.duration == 17.0 / 8 && $0.source == "vans-synth" && $0.sceneSeed != nil })
        #expect(samples.filter { $0.kind == .procedural }.count == 3)
    }

    // Validation names a missing video, a corrupt video, a bad manifest line and a range past the video's end.
    @Test func validationFindsBrokenFiles() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try SynthDataset.write(SynthConfiguration(count: 4, seed: 9, size: 32), to: directory)
        let manifestURL = directory.appendingPathComponent(Manifest.fileName)
        var samples = try Manifest.read(from: manifestURL)
        let missing = samples[0].answerVideo, corrupt = samples[1].answerVideo
        try FileManager.default.removeItem(at: directory.appendingPathComponent(missing))
        try Data(repeating: 0x5A, count: 3000).write(to: directory.appendingPathComponent(corrupt))
        samples[2].answerRange = TimeRange(start: 0, end: 9)
        var text = String(decoding: try Manifest.encode(samples), as: UTF8.self)
        text += "{\"id\": \"extra\"}\n"
        try Data(text.utf8).write(to: manifestURL)
        let report = try DatasetValidator.validate(directory)
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.file == missing && $0.message.contains("missing") })
        #expect(report.problems.contains { $0.file == corrupt && $0.message.contains("not decodable") })
        #expect(report.problems.contains { $0.line == 3 && $0.file == samples[2].answerVideo && $0.message.contains("range ends at 9.000") })
        #expect(report.problems.contains { $0.line == 5 && $0.message.contains("missing key") })
    }

    // Validating a directory with no manifest is an error naming the manifest path.
    @Test func validationWithoutManifest() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: DataError.self) { try DatasetValidator.validate(directory) }
        #expect(throws: DataError.self) { try DatasetValidator.validate(directory.appendingPathComponent("absent")) }
    }

    // Options the world cannot render are rejected with the option named.
    @Test func invalidOptions() {
        #expect(throws: DataError.invalidOption(name: "size", value: "100", reason: "must be a multiple of 16 in 16…112 (Wan needs multiples of 16)")) {
            try SynthConfiguration(count: 1, seed: 0, size: 100).validate()
        }
        #expect(throws: DataError.self) { try SynthConfiguration(count: 0, seed: 0).validate() }
        #expect(throws: DataError.self) { try SynthConfiguration(count: 1, seed: 0, fps: .nan).validate() }
    }
}
