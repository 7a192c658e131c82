// Errors of the NN target: loading and updating parameters, always naming the key at fault.

/// What can go wrong binding tensors to a module tree.
public enum NNError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A checkpoint key that no parameter of the model claims.
    case unusedKeys([String])
    /// A model parameter the checkpoint does not provide.
    case missingKeys([String])
    /// A tensor whose shape differs from the parameter it would replace.
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    /// A key naming no module in the tree.
    case unknownModule(key: String)
    /// A module of the wrong type put where another was expected.
    case moduleTypeMismatch(key: String, expected: String, found: String)
    /// An invalid layer argument.
    case invalidArgument(String)
    /// A checkpoint rule that cannot apply to a key (a transpose that does not fit its rank, a rename
    /// onto a key already taken).
    case ruleFailed(rule: String, key: String, reason: String)
    /// A checkpoint rule that cannot be used at all (a malformed regular expression).
    case invalidRule(rule: String, reason: String)

    public var description: String {
        func list(_ keys: [String]) -> String {
            keys.count <= 8 ? keys.joined(separator: ", ") : keys.prefix(8).joined(separator: ", ") + " … (\(keys.count) in all)"
        }
        switch self {
        case .unusedKeys(let keys): return "checkpoint keys not used by the model: \(list(keys))"
        case .missingKeys(let keys): return "model parameters missing from the checkpoint: \(list(keys))"
        case .shapeMismatch(let key, let expected, let found): return "'\(key)': expected shape \(expected), found \(found)"
        case .unknownModule(let key): return "no module at '\(key)'"
        case .moduleTypeMismatch(let key, let expected, let found): return "'\(key)': cannot put a \(found) where a \(expected) is declared"
        case .invalidArgument(let message): return message
        case .ruleFailed(let rule, let key, let reason): return "checkpoint rule \(rule) fails on '\(key)': \(reason)"
        case .invalidRule(let rule, let reason): return "checkpoint rule \(rule): \(reason)"
        }
    }
}
