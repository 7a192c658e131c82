// Errors of the Wan target's DiT, conditioning and sampling side (the VAE and umT5 keep their own enums).
import Checkpoints
import NN

/// What can go wrong loading or running Wan2.1's DiT and samplers; every case names what was at fault.
public enum WanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A checkpoint or configuration problem (the file and key are named by the wrapped error).
    case checkpoint(CheckpointError)
    /// Binding tensors to the model failed (unused, missing or mis-shaped key, named).
    case weights(file: String, NNError)
    /// An input tensor with the wrong rank, shape or dtype.
    case invalidInput(name: String, reason: String)
    /// A scheduler configuration the samplers do not implement, naming the key.
    case unsupportedScheduler(file: String, key: String, reason: String)
    /// A pipeline directory that lacks a component or lists one we cannot use.
    case invalidPipeline(directory: String, reason: String)

    public var description: String {
        switch self {
        case .checkpoint(let error): return "\(error)"
        case .weights(let file, let error): return "\(file): \(error)"
        case .invalidInput(let name, let reason): return "input '\(name)': \(reason)"
        case .unsupportedScheduler(let file, let key, let reason): return "\(file): key '\(key)': \(reason)"
        case .invalidPipeline(let directory, let reason): return "\(directory): \(reason)"
        }
    }
}
