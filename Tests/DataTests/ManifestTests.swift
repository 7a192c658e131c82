import Foundation
import Testing
import TestSupport
@testable import Data

@Suite("Manifest")
struct ManifestTests {
    static func sample(_ id: String = "a", kind: SampleKind = .predictive) -> DatasetSample {
        DatasetSample(id: id, kind: kind, inputVideo: "videos/in.mp4", inputRange: TimeRange(start: 0, end: 2.5),
                      question: "What happens next?", reasoning: "The ball rolls right. So it hits the wall.",
                      answerCaption: "The ball hits the wall.", answerAlternatives: ["The ball hits the wall.", "It bumps the wall."],
                      answerVideo: "videos/out.mp4", answerRange: TimeRange(start: 0, end: 2.125), source: "vans-synth",
                      sceneSeed: 42, eventType: "rolling")
    }

    /// A valid line as a JSON object we can break one key at a time.
    static func validObject() -> [String: Any] {
        let data = try! JSONEncoder().encode(sample())
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func line(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Parses a manifest of `lines` and returns its problems.
    static func problems(_ lines: [String]) -> [ManifestProblem] {
        Manifest.parse(Data((lines.joined(separator: "\n") + "\n").utf8)).problems
    }

    // Writing then reading gives back the same samples (optional fields, 64-bit eval seeds, unicode), leaving no temporary file.
    @Test func roundTrip() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var plain = Self.sample("b", kind: .procedural)
        plain.sceneSeed = nil
        plain.eventType = nil
        var evaluation = Self.sample("d")
        evaluation.sceneSeed = SynthWorld.sceneSeed(split: .eval, seed: 3, kind: .predictive, index: 9)  // bit 63 set
        let samples = [Self.sample("a"), plain, Self.sample("c \"quoted\" / ünïcode"), evaluation]
        let url = directory.appendingPathComponent(Manifest.fileName)
        try Manifest.write(samples, to: url)
        #expect(try Manifest.read(from: url) == samples)
        #expect(samples[0].inputURL(in: directory) == directory.appendingPathComponent("videos/in.mp4"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names == [Manifest.fileName])
    }

    // Encoding is byte-stable: the same samples always give the same manifest bytes.
    @Test func encodingIsStable() throws {
        let samples = [Self.sample("a"), Self.sample("b")]
        #expect(try Manifest.encode(samples) == Manifest.encode(samples))
        #expect(String(decoding: try Manifest.encode(samples), as: UTF8.self).split(separator: "\n").count == 2)
    }

    // Every kind of malformed line is reported with its own line number; nothing is skipped.
    @Test(arguments: [
        ("not json at all", "not valid JSON"),
        ("[1, 2, 3]", "not a JSON object"),
        ("", "blank line"),
        ("   ", "blank line"),
    ])
    func malformedText(text: String, expected: String) {
        let found = Self.problems([Self.line(Self.validObject()), text, Self.line(Self.validObject().merging(["id": "z"]) { $1 })])
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.reason.contains(expected) == true)
    }

    // Each broken key gives a problem naming the key, on the right line.
    @Test(arguments: [
        ("missing", "question", "missing key 'question'"),
        ("type", "question", "'question' has the wrong type"),
        ("kind", "kind", "kind"),
        ("empty", "reasoning", "'reasoning' is empty"),
        ("range", "input_range", "input_range"),
        ("absolute", "input_video", "absolute"),
        ("escape", "answer_video", "leaves the manifest's directory"),
        ("unknown", "extra", "unknown key(s) 'extra'"),
        ("alternatives", "answer_alternatives", "does not include 'answer_caption'"),
        ("null", "source", "'source' is null"),
    ])
    func malformedKey(breakage: String, key: String, expected: String) {
        var object = Self.validObject()
        switch breakage {
        case "missing": object.removeValue(forKey: key)
        case "type": object[key] = 12
        case "kind": object[key] = "retrospective"
        case "empty": object[key] = "  "
        case "range": object[key] = ["start": 3.0, "end": 1.0]
        case "absolute": object[key] = "/etc/passwd"
        case "escape": object[key] = "../outside.mp4"
        case "unknown": object[key] = true
        case "alternatives": object[key] = ["Something else entirely."]
        default: object[key] = NSNull()
        }
        let found = Self.problems(["{\"bad\": 1}", Self.line(object)])
        #expect(found.count == 2)
        #expect(found.last?.line == 2)
        #expect(found.last?.reason.contains(expected) == true, "\(found.last?.reason ?? "none")")
    }

    // A repeated id is reported on its second line, naming the first.
    @Test func duplicateIds() {
        let line = Self.line(Self.validObject())
        let found = Self.problems([line, line])
        #expect(found == [ManifestProblem(line: 2, reason: "duplicate id 'a' (first on line 1)")])
    }

    // `read` throws the first bad line with the file name and line number; CRLF endings are fine.
    @Test func readThrowsWithLineNumber() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(Manifest.fileName)
        let good = Self.line(Self.validObject())
        try Data((good + "\r\n" + "{oops" + "\n").utf8).write(to: url)
        #expect {
            try Manifest.read(from: url)
        } throws: { error in
            guard case .badManifestLine(url.path, 2, let reason) = error as? DataError else { return false }
            return reason.hasPrefix("not valid JSON")
        }
        try Data((good + "\r\n").utf8).write(to: url)
        #expect(try Manifest.read(from: url).count == 1)
        #expect(throws: DataError.self) { try Manifest.read(from: directory.appendingPathComponent("absent.jsonl")) }
    }

    // Issue 17: `"kind":"procedural", …, "kind":"bogus"` passed with the first value while Python's json reads
    // the last. A repeated key is refused, at any depth, so no two readers can see different samples.
    @Test func repeatedKeysAreRefused() {
        let valid = Self.line(Self.validObject())
        let procedural = valid.replacingOccurrences(of: "\"kind\":\"predictive\"", with: "\"kind\":\"procedural\"")
        let repeated = procedural.dropLast() + ",\"kind\":\"bogus\"}"
        #expect(Self.problems([String(repeated)]) == [ManifestProblem(line: 1, reason: "key 'kind' appears more than once")])
        let nested = valid.replacingOccurrences(of: "\"input_range\":{", with: "\"input_range\":{\"start\":1,")
        #expect(Self.problems([nested]) == [ManifestProblem(line: 1, reason: "key 'input_range.start' appears more than once")])
        #expect(Self.problems([procedural]).isEmpty)
    }

    // Issue 17: a named pipe or /dev/zero given as the manifest said "You don't have permission".
    @Test func namedPipeAndDeviceAreNotRegularFiles() throws {
        let pipe = try NamedPipeFixture(name: Manifest.fileName)
        let started = Date()
        let (errors, timedOut) = pipe.withWatchdog { () -> [DataError?] in
            var errors: [DataError?] = []
            do throws(DataError) { _ = try Manifest.read(from: pipe.url); errors.append(nil) } catch { errors.append(error) }
            do throws(DataError) { _ = try DatasetValidator.validate(pipe.directory); errors.append(nil) } catch { errors.append(error) }
            return errors
        }
        #expect(!timedOut && Date().timeIntervalSince(started) < 1)
        #expect(errors == Array(repeating: DataError.unreadable(path: pipe.path, reason: "not a regular file (named pipe)"), count: 2))
        #expect(throws: DataError.unreadable(path: "/dev/zero", reason: "not a regular file (character device)")) {
            try Manifest.read(from: URL(fileURLWithPath: "/dev/zero"))
        }
    }
}
