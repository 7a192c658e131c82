// Errors of the CLIP target: configuration, weights and preprocessing; every case names what was wrong.

/// What went wrong while loading or running CLIP.
public enum CLIPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The model directory or one of its files is unusable (the message names the file and the problem).
    case invalidModel(String)
    /// An input tensor has the wrong shape or dtype (the message names the tensor).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidModel(let reason): return "CLIP model: \(reason)"
        case .invalidInput(let reason): return "CLIP input: \(reason)"
        }
    }
}
