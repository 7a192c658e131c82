import Foundation

/// Everything that can go wrong while loading or running a tokenizer.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid JSON.
    case malformedJSON(path: String, reason: String)
    /// A file or folder could not be written.
    case unwritableFile(path: String, reason: String)
    /// A field is missing or has the wrong type; `field` is a JSON path such as `model.merges[3]`.
    case invalidField(path: String, field: String, reason: String)
    /// The file asks for a component this implementation does not have.
    case unsupported(path: String, field: String, what: String)
    /// A token or id that the vocabulary does not contain.
    case unknownToken(String)
    /// An id outside the vocabulary.
    case unknownID(Int)
    /// Bad arguments to a call (e.g. a negative maximum length).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read file: \(reason)"
        case let .malformedJSON(path, reason): return "\(path): not valid JSON: \(reason)"
        case let .unwritableFile(path, reason): return "\(path): cannot write: \(reason)"
        case let .invalidField(path, field, reason): return "\(path): field `\(field)`: \(reason)"
        case let .unsupported(path, field, what): return "\(path): field `\(field)`: unsupported \(what)"
        case let .unknownToken(token): return "token \(token.debugDescription) is not in the vocabulary"
        case let .unknownID(id): return "id \(id) is not in the vocabulary"
        case let .invalidArgument(message): return "invalid argument: \(message)"
        }
    }
}
