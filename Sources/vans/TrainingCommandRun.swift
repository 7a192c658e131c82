// What every `vans` training command does around its trainer: record the command line, turn a failure into an error
// line and a failing exit, and print the summary as snake_case JSON or as one human line.
import ArgumentParser
import Foundation

enum TrainingCommandRun {
    /// The command as typed (arguments with spaces quoted), recorded in the run's config.json so the run can be repeated.
    static var commandLine: String {
        (["vans"] + CommandLine.arguments.dropFirst().map { $0.contains(" ") ? "'\($0)'" : $0 }).joined(separator: " ")
    }

    /// Runs `train`; prints its summary as JSON with `json`, else `line(summary)`.
    static func perform<Summary: Encodable>(json: Bool, _ train: () throws -> Summary,
                                            line: (Summary) -> String) throws {
        let summary: Summary
        do { summary = try train() } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if json {
            try printSnakeCaseJSON(summary)
        } else {
            print(line(summary))
        }
    }

    /// "6.531 → 0.982" (– for a loss not measured).
    static func lossRange(_ first: Double?, _ final: Double?) -> String {
        "\(first.map { String(format: "%.3f", $0) } ?? "–") → \(final.map { String(format: "%.3f", $0) } ?? "–")"
    }
}

/// Prints `value` as pretty, key-sorted JSON with snake_case keys: the `--json` output of the training and answer
/// commands.
func printSnakeCaseJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
