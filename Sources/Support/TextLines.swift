// How every line-per-record file in the project is read (manifests, caption files, training text,
// `vans tokenize --each-line`): split on "\n" bytes, a "\r" just before it dropped so CRLF files read the
// same, and a final line break not starting another, empty line. Working on bytes avoids walking
// grapheme clusters, and avoids the trap that "\r\n" is a single Character that a split on "\n" misses.
import Foundation

public enum TextLines {
    /// The lines of `data` as byte slices.
    public static func split(_ data: Data) -> [Data] {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            Data(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The lines of `text`.
    public static func split(_ text: String) -> [String] {
        split(Data(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}
