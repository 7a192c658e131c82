// Errors of the umT5 text encoder: bad inputs and checkpoints, each naming what was wrong.

/// Everything that can go wrong loading or running the umT5 encoder.
public enum UMT5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input ids or attention mask are malformed (ragged rows, mismatched shapes, empty batch).
    case invalidInput(reason: String)
    /// A token id lies outside the embedding table.
    case tokenOutOfRange(row: Int, position: Int, id: Int, vocabularySize: Int)
    /// The checkpoint cannot be read or does not fit the model.
    case invalidCheckpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let reason):
            return "umT5 input: \(reason)"
        case .tokenOutOfRange(let row, let position, let id, let vocabularySize):
            return "umT5 input: token id \(id) at row \(row), position \(position) is outside the vocabulary of \(vocabularySize)"
        case .invalidCheckpoint(let path, let reason):
            return "\(path): umT5 checkpoint: \(reason)"
        }
    }
}
