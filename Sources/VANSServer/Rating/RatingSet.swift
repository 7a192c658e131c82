// The examples of the human evaluation (paper App. D.4): read from a results directory that `vans eval` or
// `vans experiment ablation` wrote — its samples.jsonl lists, per sample, the input video, the question and one
// answer video per system (row).
import Foundation
import struct Data.SynthRandom

/// One example to rate: the input, the question, and each system's answer video.
public struct RatingExample: Sendable {
    /// The sample id of samples.jsonl (stable across runs: ratings are stored under it).
    public var id: String
    /// "procedural" or "predictive" (empty when the file does not say).
    public var kind: String
    public var question: String
    public var inputVideo: URL
    /// System (row) name → its answer video, systems in file order.
    public var answers: [(system: String, video: URL)]

}

/// What can be wrong with a results directory, naming the file (and line).
public enum RatingSetError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformedLine(path: String, line: Int, reason: String)
    case videoOutsideDirectory(path: String, line: Int, video: String)
    case missingVideo(path: String, line: Int, video: String)
    case noExamples(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the results (\(reason))"
        case .malformedLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .videoOutsideDirectory(let path, let line, let video):
            "\(path):\(line): video path '\(video)' leaves the results directory (only relative paths inside it are served)"
        case .missingVideo(let path, let line, let video): "\(path):\(line): video '\(video)' does not exist"
        case .noExamples(let path): "\(path): no sample has both an input video and an answer video to rate"
        }
    }
}

/// The examples of one results directory, in the file's order of first appearance.
public struct RatingSet: Sendable {
    public let directory: URL
    public let examples: [RatingExample]

    /// Every system that answers at least one example, in order of first appearance.
    public var systems: [String] {
        var seen = Set<String>(), ordered: [String] = []
        for example in examples { for answer in example.answers where seen.insert(answer.system).inserted { ordered.append(answer.system) } }
        return ordered
    }

    /// Reads `directory/samples.jsonl`: lines with `sample`, `row`, `input_video`, `question` and `video` (paths
    /// relative to the directory). Lines without a `video` (rows that rendered nothing) are skipped; a sample's
    /// input and question come from its first line.
    public init(directory: URL) throws(RatingSetError) {
        self.directory = directory.standardizedFileURL
        let file = self.directory.appendingPathComponent("samples.jsonl")
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw .unreadable(path: file.path, reason: (error as NSError).localizedDescription)
        }
        var order: [String] = [], byID: [String: RatingExample] = [:]
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw .malformedLine(path: file.path, line: number, reason: "not a JSON object")
            }
            func string(_ key: String) throws(RatingSetError) -> String {
                guard let value = object[key] as? String, !value.isEmpty else {
                    throw .malformedLine(path: file.path, line: number, reason: "missing string '\(key)'")
                }
                return value
            }
            guard object["video"] is String else { continue }
            let id = try string("sample"), system = try string("row")
            let answer = try Self.video(try string("video"), in: self.directory, file: file.path, line: number)
            if byID[id] == nil {
                let input = try Self.video(try string("input_video"), in: self.directory, file: file.path, line: number)
                byID[id] = RatingExample(id: id, kind: object["kind"] as? String ?? "", question: try string("question"),
                                         inputVideo: input, answers: [])
                order.append(id)
            }
            guard byID[id]?.answers.contains(where: { $0.system == system }) == false else {
                throw .malformedLine(path: file.path, line: number, reason: "sample '\(id)' has two answers of row '\(system)'")
            }
            byID[id]?.answers.append((system, answer))
        }
        examples = order.compactMap { byID[$0] }
        guard !examples.isEmpty else { throw .noExamples(path: file.path) }
    }

    /// `relative` resolved inside `directory`; absolute paths, `..` escapes and missing files are errors.
    static func video(_ relative: String, in directory: URL, file: String, line: Int) throws(RatingSetError) -> URL {
        guard !relative.hasPrefix("/") else { throw .videoOutsideDirectory(path: file, line: line, video: relative) }
        let resolved = directory.appendingPathComponent(relative).standardizedFileURL
        guard resolved.path.hasPrefix(directory.path + "/") else { throw .videoOutsideDirectory(path: file, line: line, video: relative) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .missingVideo(path: file, line: line, video: relative)
        }
        return resolved
    }

    /// The order in which `rater` sees `example`'s systems: a permutation seeded by (seed, rater, example id), so it
    /// is shuffled and anonymised per rater and example, yet the same on every request (nothing to store).
    public func presentationOrder(of example: RatingExample, rater: String, seed: UInt64) -> [Int] {
        var generator = SynthRandom(seed: SynthRandom.derive(seed, Self.fnv1a("\(rater)\u{1F}\(example.id)")))
        var order = Array(example.answers.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.integer(in: 0...i)) }
        return order
    }

    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
