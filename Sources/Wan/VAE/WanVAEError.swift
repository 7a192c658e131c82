// Errors of Wan's causal 3-D VAE (diffusers `AutoencoderKLWan`): bad inputs and checkpoints, each naming
// what was wrong.
import Checkpoints
import Foundation
import NN

/// What can go wrong encoding, decoding or loading the Wan VAE.
public enum WanVAEError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A video whose frame count is not 4k + 1: the chunked encoder would drop the trailing frames.
    case frameCount(Int)
    /// A tensor of the wrong rank, channel count or size.
    case invalidShape(name: String, shape: [Int], expected: String)
    /// A file that cannot be read or a configuration that cannot be used (names the file and key).
    case file(CheckpointError)
    /// Unused, missing or mis-shaped weights (names the keys).
    case weights(NNError)

    public var description: String {
        switch self {
        case .frameCount(let frames):
            let lower = frames < 1 ? 1 : (frames - 1) / 4 * 4 + 1
            return "the Wan VAE encodes 4k + 1 frames (1, 5, 9, …); got \(frames) frames "
                + "(use \(lower) or \(lower + 4); diffusers would silently drop \((frames - 1) % 4) of them)"
        case .invalidShape(let name, let shape, let expected):
            return "'\(name)' has shape \(shape); expected \(expected)"
        case .file(let error):
            return error.description
        case .weights(let error):
            return "Wan VAE weights: \(error.description)"
        }
    }
}
