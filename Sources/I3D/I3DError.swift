// Errors of the I3D target: weights and inputs; every case names what was wrong.

/// What went wrong while loading or running the Inception-I3D network.
public enum I3DError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The weights file is unusable (the message names the file and the problem).
    case invalidModel(String)
    /// An input tensor has the wrong shape or dtype (the message names the tensor).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidModel(let reason): return "I3D model: \(reason)"
        case .invalidInput(let reason): return "I3D input: \(reason)"
        }
    }
}
