// Errors of the curation pipeline: each names the file, unit or endpoint and what was wrong.
import Foundation

/// Why a curation step failed. Per-entry and per-sample problems are recorded, not thrown; these
/// are the failures that stop a unit (or, for configuration, the run).
public enum CurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sources configuration or an annotation file cannot be used at all.
    case badConfiguration(path: String, reason: String)
    /// An annotation file is unreadable or not the documented layout.
    case badAnnotations(path: String, reason: String)
    /// The VLM call failed after its retries (transport, HTTP status, timeout).
    case vlmFailed(reason: String)
    /// The VLM answered, but not in the required form.
    case malformedReply(reason: String)
    /// A video could not be read, cut or written.
    case videoFailed(path: String, reason: String)
    /// The job table could not be read or written.
    case jobTable(path: String, reason: String)
    /// A prompt file is missing or lacks a placeholder.
    case badPrompt(name: String, reason: String)

    public var description: String {
        switch self {
        case let .badConfiguration(path, reason): return "sources \(path): \(reason)"
        case let .badAnnotations(path, reason): return "annotations \(path): \(reason)"
        case let .vlmFailed(reason): return "VLM call failed: \(reason)"
        case let .malformedReply(reason): return "malformed VLM reply: \(reason)"
        case let .videoFailed(path, reason): return "video \(path): \(reason)"
        case let .jobTable(path, reason): return "job table \(path): \(reason)"
        case let .badPrompt(name, reason): return "prompt '\(name)': \(reason)"
        }
    }
}
