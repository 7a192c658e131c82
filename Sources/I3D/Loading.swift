// Loading the state dict of cdfvd's `InceptionI3d` (keys as in `i3d_pretrained_400.pt`: `Conv3d_1a_7x7.conv3d.weight`,
// `Mixed_3b.b1b.bn.running_var`, `logits.conv3d.bias`, …) from safetensors or any `[String: Tensor]`.
import Checkpoints
import Foundation
import NN
import Tensor

extension InceptionI3d {
    /// The network with `weights` (a state dict keyed as the port's) bound: the classes and input channels are read
    /// from the logits and stem weights; an unused, missing or mis-shaped key is an error naming it.
    /// Tensors keep their stored dtype; the forward pass computes in float32.
    public convenience init(weights: [String: Tensor], batchNormEpsilon: Float = 1e-5) throws(I3DError) {
        let logitsKey = "logits.conv3d.weight", stemKey = "Conv3d_1a_7x7.conv3d.weight"
        let stripped = Dictionary(weights.map { (key: $0.key.hasPrefix("module.") ? String($0.key.dropFirst(7)) : $0.key, value: $0.value) },
                                  uniquingKeysWith: { first, _ in first })
        guard let logits = stripped[logitsKey], logits.rank == 5 else {
            throw .invalidModel("missing or malformed '\(logitsKey)' (expected [classes, 1024, 1, 1, 1])")
        }
        guard let stem = stripped[stemKey], stem.rank == 5 else {
            throw .invalidModel("missing or malformed '\(stemKey)' (expected [64, channels, 7, 7, 7])")
        }
        try self.init(configuration: I3DConfiguration(numberOfClasses: logits.shape[0], inputChannels: stem.shape[1],
                                                      batchNormEpsilon: batchNormEpsilon))
        do {
            try load(weights: weights)
        } catch {
            throw .invalidModel(error.description)
        }
    }

    /// Loads a state dict from a safetensors file or from a `torch.save` archive such as `i3d_pretrained_400.pt`
    /// itself (read by the restricted PyTorch reader, which refuses anything but plain tensors).
    public static func load(contentsOf url: URL, batchNormEpsilon: Float = 1e-5) throws(I3DError) -> InceptionI3d {
        let weights: [String: Tensor]
        do {
            weights = try CheckpointFiles.allTensors(at: url, mapped: true)
        } catch {
            // Checkpoint errors name their file already.
            let reason = "\(error)"
            throw .invalidModel(reason.hasPrefix(url.path) ? reason : "\(url.path): \(reason)")
        }
        do {
            return try InceptionI3d(weights: weights, batchNormEpsilon: batchNormEpsilon)
        } catch {
            throw .invalidModel("\(url.path): \(error.description)")
        }
    }
}
