// Errors of the Metrics target.

/// Why a metric could not be computed or its input could not be read.
public enum MetricsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A file could not be read at all.
    case unreadableFile(path: String, reason: String)
    /// A file is not valid UTF-8 text.
    case invalidText(path: String)
    /// A references line looked like a JSON array but was not an array of captions.
    case malformedReferences(path: String, line: Int, reason: String)
    /// The hypotheses and references files hold different numbers of samples.
    case lineCountMismatch(hypothesesPath: String, hypotheses: Int, referencesPath: String, references: Int)
    /// A sample has no reference caption.
    case missingReferences(sample: Int)
    /// There are no samples at all.
    case emptyCorpus
    /// Hypotheses and reference lists differ in count when passed in code.
    case sampleCountMismatch(hypotheses: Int, references: Int)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read \(path): \(reason)"
        case let .invalidText(path): "\(path) is not valid UTF-8 text"
        case let .malformedReferences(path, line, reason): "\(path), line \(line): \(reason)"
        case let .lineCountMismatch(hypothesesPath, hypotheses, referencesPath, references):
            "\(hypothesesPath) has \(hypotheses) lines but \(referencesPath) has \(references); each line is one sample"
        case let .missingReferences(sample): "sample \(sample) has no reference caption"
        case .emptyCorpus: "there are no samples to score"
        case let .sampleCountMismatch(hypotheses, references):
            "\(hypotheses) hypotheses but \(references) reference lists"
        }
    }
}
