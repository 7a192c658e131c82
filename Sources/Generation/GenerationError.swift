// Errors of the Generation target.

/// What can go wrong driving a model token by token.
public enum GenerationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An argument that cannot work (batch sizes that disagree, a token budget below one).
    case invalidArgument(String)
    /// Logits the sampler cannot draw from (all -inf or NaN after processing).
    case sampling(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return message
        case .sampling(let message): return "sampling failed: \(message)"
        }
    }
}
