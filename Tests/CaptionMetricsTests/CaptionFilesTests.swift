import Foundation
import Testing
import TestSupport
@testable import CaptionMetrics

@Suite("Caption files for `vans metrics text`")
struct CaptionFilesTests {
    private func write(_ text: String) throws -> URL {
        let url = ScratchDirectory.root.appendingPathComponent("captions-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        return url
    }

    // A references line is a plain caption or a JSON array of captions; a final newline adds no sample.
    @Test func parsesPlainAndArrayLines() throws {
        let hypotheses = try write("a man cooks\r\nshe runs\n")
        let references = try write("A man cooks pasta.\n[\"She runs.\", \"A woman runs fast.\"]\n")
        let loaded = try CaptionFiles.load(hypotheses: hypotheses, references: references)
        #expect(loaded.hypotheses == ["a man cooks", "she runs"])
        #expect(loaded.references == [["A man cooks pasta."], ["She runs.", "A woman runs fast."]])
    }

    // A bad JSON line is an error naming the file and the 1-based line.
    @Test func badJSONNamesFileAndLine() throws {
        let hypotheses = try write("a\nb\n")
        let references = try write("a\n[\"b\", 3]\n")
        #expect(throws: MetricsError.malformedReferences(path: references.path, line: 2, reason: "element 1 of the array is not a string")) {
            try CaptionFiles.load(hypotheses: hypotheses, references: references)
        }
        let broken = try write("a\n[\"b\"\n")
        #expect(throws: MetricsError.malformedReferences(path: broken.path, line: 2, reason: "not valid JSON")) {
            try CaptionFiles.load(hypotheses: hypotheses, references: broken)
        }
    }

    // Different line counts, unreadable files and invalid UTF-8 are typed errors.
    @Test func mismatchedAndUnreadableFiles() throws {
        let one = try write("a\n"), two = try write("a\nb\n")
        #expect(throws: MetricsError.lineCountMismatch(hypothesesPath: one.path, hypotheses: 1, referencesPath: two.path, references: 2)) {
            try CaptionFiles.load(hypotheses: one, references: two)
        }
        let missing = URL(fileURLWithPath: "/nonexistent/captions.txt")
        #expect(throws: MetricsError.self) { try CaptionFiles.load(hypotheses: missing, references: one) }
        let invalid = ScratchDirectory.root.appendingPathComponent("invalid-\(UUID().uuidString).txt")
        try Data([0xFF, 0xFE, 0x41]).write(to: invalid)
        #expect(throws: MetricsError.invalidText(path: invalid.path)) { try CaptionFiles.lines(of: invalid) }
    }

    // Issue 17: a named pipe or /dev/zero given as a metrics input said "You don't have permission".
    @Test func namedPipeAndDeviceAreNotRegularFiles() throws {
        let pipe = try NamedPipeFixture(name: "hypotheses.txt")
        let started = Date()
        let (error, timedOut) = pipe.withWatchdog { () -> MetricsError? in
            do { _ = try CaptionFiles.lines(of: pipe.url); return nil } catch let error as MetricsError { return error } catch { return nil }
        }
        #expect(!timedOut && Date().timeIntervalSince(started) < 1)
        #expect(error == .unreadableFile(path: pipe.path, reason: "not a regular file (named pipe)"))
        #expect(throws: MetricsError.unreadableFile(path: "/dev/zero", reason: "not a regular file (character device)")) {
            try CaptionFiles.lines(of: URL(fileURLWithPath: "/dev/zero"))
        }
    }
}
