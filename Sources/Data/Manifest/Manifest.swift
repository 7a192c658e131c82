// The dataset manifest: JSON Lines, one `DatasetSample` per line, video paths relative
// to the manifest's directory. Reading reports every bad line by number and never skips
// one silently; writing goes through `AtomicFile`, so a crash never leaves half a manifest.
import Foundation
import Support

/// A problem found on one manifest line (1-based).
public struct ManifestProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public var description: String { "line \(line): \(reason)" }
}

/// The outcome of parsing a whole manifest: the good samples with their line numbers and
/// one problem per bad line. A manifest is sound only when `problems` is empty.
public struct ManifestContents: Sendable {
    public var samples: [(line: Int, sample: DatasetSample)]
    public var problems: [ManifestProblem]
}

public enum Manifest {
    /// The file name `vans data synth` writes and `vans data validate` reads.
    public static let fileName = "manifest.jsonl"

    /// Parses manifest bytes. Blank lines are problems too (except the final newline),
    /// because a silently skipped line is how samples get lost. Duplicate ids are
    /// reported on the later line.
    public static func parse(_ data: Data) -> ManifestContents {
        var samples: [(line: Int, sample: DatasetSample)] = []
        var problems: [ManifestProblem] = []
        var firstLineOfId: [String: Int] = [:]
        for (index, line) in TextLines.split(data).enumerated() {
            let number = index + 1
            switch parseLine(line) {
            case .failure(let reason):
                problems.append(ManifestProblem(line: number, reason: reason))
            case .success(let sample):
                if let first = firstLineOfId[sample.id] {
                    problems.append(ManifestProblem(line: number, reason: "duplicate id '\(sample.id)' (first on line \(first))"))
                    continue
                }
                firstLineOfId[sample.id] = number
                samples.append((number, sample))
            }
        }
        return ManifestContents(samples: samples, problems: problems)
    }

    /// Reads a manifest and throws on its first bad line.
    public static func read(from url: URL) throws(DataError) -> [DatasetSample] {
        let data: Data
        do { data = try UserFile.read(url.path) } catch { throw .unreadable(path: url.path, reason: error.reason) }
        let contents = parse(data)
        if let problem = contents.problems.first {
            throw .badManifestLine(file: url.path, line: problem.line, reason: problem.reason)
        }
        return contents.samples.map(\.sample)
    }

    /// Encodes samples as JSON Lines (sorted keys, so equal samples give equal bytes).
    public static func encode(_ samples: [DatasetSample]) throws(DataError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var output = Data()
        for sample in samples {
            do { output.append(try encoder.encode(sample)) } catch {
                throw .writeFailed(path: sample.id, reason: "cannot encode sample: \(error)")
            }
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }

    /// Writes samples atomically to `url`.
    public static func write(_ samples: [DatasetSample], to url: URL) throws(DataError) {
        let data = try encode(samples)
        do { try AtomicFile.write(data, to: url) } catch {
            throw .writeFailed(path: url.path, reason: error.description)
        }
    }

    private static let knownKeys = Set(DatasetSample.CodingKeys.allCases.map(\.stringValue))

    private enum LineResult { case success(DatasetSample), failure(String) }

    private static func parseLine(_ line: Data) -> LineResult {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            return .failure("blank line (every line must be one sample)")
        }
        // Unknown keys are reported, not ignored: a misspelt optional key would otherwise vanish.
        let object: StrictJSON
        do { object = try StrictJSON.parse(line) } catch { return .failure("not valid JSON (\(error))") }
        guard let members = object.members else { return .failure("not a JSON object") }
        // Python's json keeps the last of two equal keys and Foundation the first, so a repeated key would
        // make `vans data validate` and a Python reader see different samples: refuse it.
        if let repeated = object.firstRepeatedKeyPath { return .failure("key '\(repeated)' appears more than once") }
        let unknown = Set(members.map(\.key)).filter { !knownKeys.contains($0) }.sorted()
        if !unknown.isEmpty { return .failure("unknown key(s) \(unknown.map { "'\($0)'" }.joined(separator: ", "))") }
        let sample: DatasetSample
        do { sample = try JSONDecoder().decode(DatasetSample.self, from: line) } catch let error as DecodingError {
            return .failure(error.plainDescription)
        } catch {
            return .failure("\(error)")
        }
        let problems = sample.problems
        if !problems.isEmpty { return .failure(problems.joined(separator: "; ")) }
        return .success(sample)
    }
}
