// Errors of the Data target: manifests, dataset validation and the synthetic world.
import Foundation

/// Everything that can go wrong while reading, writing, generating or checking a dataset.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// A manifest line that is not a valid sample; `line` is 1-based.
    case badManifestLine(file: String, line: Int, reason: String)
    /// The manifest (or a directory holding it) could not be read.
    case unreadable(path: String, reason: String)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)
    /// A video could not be encoded or inspected.
    case videoFailed(path: String, reason: String)
    /// A generator or command option outside its allowed range.
    case invalidOption(name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .badManifestLine(let file, let line, let reason): return "\(file):\(line): \(reason)"
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
        case .videoFailed(let path, let reason): return "video \(path): \(reason)"
        case .invalidOption(let name, let value, let reason): return "invalid \(name) '\(value)': \(reason)"
        }
    }
}
