// Mirrors the constructor of cdfvd/third_party/i3d/pytorch_i3d.py `InceptionI3d(num_classes, in_channels=…)`
// plus the one numeric the TF-Hub graph differs in (batch-norm ε); the channel widths are fixed by the network.

/// What varies between Inception-I3D checkpoints: the classifier width, the input channels and batch-norm ε.
public struct I3DConfiguration: Sendable, Equatable, Codable {
    /// Width of the logits layer (400 for Kinetics-400, the FVD network).
    public var numberOfClasses: Int
    /// Channels of the input video (3 for RGB).
    public var inputChannels: Int
    /// Added to the running variance before the square root: 1e-5 in the PyTorch port (`BatchNorm3d(eps=1e-5)`)
    /// that `i3d_pretrained_400.pt` belongs to; the original TF-Hub graph uses 1e-3.
    public var batchNormEpsilon: Float

    /// The cd-fvd / TATS port: 400 classes, RGB, ε 1e-5.
    public init(numberOfClasses: Int = 400, inputChannels: Int = 3, batchNormEpsilon: Float = 1e-5) {
        self.numberOfClasses = numberOfClasses
        self.inputChannels = inputChannels
        self.batchNormEpsilon = batchNormEpsilon
    }

    /// The network as the FVD code loads it (`InceptionI3d(400, in_channels=3)`, ε 1e-5).
    public static let kinetics400 = I3DConfiguration()

    /// Rejects impossible values before any tensor is allocated.
    public func validate() throws(I3DError) {
        guard numberOfClasses > 0 else { throw .invalidModel("number of classes must be positive, got \(numberOfClasses)") }
        guard inputChannels > 0 else { throw .invalidModel("input channels must be positive, got \(inputChannels)") }
        guard batchNormEpsilon.isFinite && batchNormEpsilon >= 0 else {
            throw .invalidModel("batch-norm epsilon must be finite and non-negative, got \(batchNormEpsilon)")
        }
    }

    /// The smallest clip the network accepts: the final (2, 7, 7) average pool needs at least 2 × 7 × 7
    /// positions after the ×8 temporal and ×32 spatial reductions (SAME padding rounds up).
    public static let minimumFrames = 9
    /// See ``minimumFrames``.
    public static let minimumSide = 193
}
