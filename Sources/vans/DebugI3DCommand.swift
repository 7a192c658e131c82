// `vans debug i3d`: cd-fvd's InceptionI3d on a video tensor from a safetensors file (conformance checks against
// `InceptionI3d(400, in_channels=3)(video)`), in float32 whatever the stored weight dtype.
import ArgumentParser
import Checkpoints
import Foundation
import I3D
import Tensor

struct DebugI3DCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "i3d",
        abstract: "Run Inception-I3D: `video` [B, C, T, H, W] in [−1, 1] → time-averaged `logits` [B, classes].",
        discussion: """
        MODEL is a safetensors state dict keyed as cd-fvd's / TATS's `i3d_pretrained_400.pt` \
        (`Conv3d_1a_7x7.conv3d.weight`, …; `num_batches_tracked` is ignored). The classes and input channels are \
        read from the weights. Clips need at least 9 frames and 193×193 pixels (FVD uses 224×224).
        """
    )

    @Option(name: .long, help: "The I3D state dict (.safetensors).")
    var model: String

    @Option(name: .long, help: "A safetensors file holding `video` (float, [B, C, T, H, W], values in [−1, 1]).")
    var inputs: String

    @Option(name: .long, help: "Where to write `logits` (float32 safetensors).")
    var out: String

    @Option(name: .long, help: "Batch-norm ε: 1e-5 for the PyTorch port (default), 1e-3 for TF-Hub's numerics.")
    var batchNormEpsilon: Float = 1e-5

    @Flag(name: .long, help: "Run the 3×3×3 convolutions directly instead of as Winograd F(2×2×2, 3×3×3) (slower; the same convolution with its sums grouped as PyTorch's).")
    var directConvolutions = false

    func run() async throws {
        let network = try InceptionI3d.load(contentsOf: URL(fileURLWithPath: model), batchNormEpsilon: batchNormEpsilon)
        network.usesWinogradConvolutions = !directConvolutions
        let video = try SafetensorsFile(url: URL(fileURLWithPath: inputs)).tensor("video")
        guard video.dtype.isFloatingPoint else {
            throw ValidationError("\(inputs): `video` must be a float tensor, got \(video.dtype)")
        }
        let values = video.converted(to: .float32).contiguous().scalars
        if let low = values.min(), let high = values.max(), low < -1.01 || high > 1.01 {
            // Not an error (conformance inputs may be anything), but 0…255 or 0…1 frames are a common slip.
            FileHandle.standardError.write(Data("warning: `video` spans [\(low), \(high)]; I3D expects [−1, 1] (FVD maps 0…255 to 2x/255 − 1)\n".utf8))
        }
        let start = Date()
        let logits = try Autograd.withoutGradient { () throws -> Tensor in try network(video.converted(to: .float32)) }
        try SafetensorsWriter.write(tensors: ["logits": logits.contiguous()], to: URL(fileURLWithPath: out))
        let seconds = Date().timeIntervalSince(start)
        print("logits \(logits.shape) → \(out) (\(String(format: "%.2f", seconds)) s)")
    }
}
