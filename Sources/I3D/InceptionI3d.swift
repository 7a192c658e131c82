// Mirrors `InceptionI3d` of cdfvd/third_party/i3d/pytorch_i3d.py (the TATS `i3d_pretrained_400.pt` port of
// DeepMind's Kinetics-400 Inception-I3D): stem → Mixed_3b…5c → AvgPool (2, 7, 7) → logits conv → squeeze →
// mean over time. `forward` of the port returns those time-averaged logits, which is what FVD uses.
import NN
import Tensor

/// The Inception-I3D video classifier; its time-averaged logits are the FVD features.
///
/// ```swift
/// let i3d = try InceptionI3d.load(contentsOf: URL(fileURLWithPath: "i3d_pretrained_400.safetensors"))
/// let logits = try i3d(video)   // video [B, 3, T, 224, 224] in [−1, 1] → [B, 400]
/// ```
public final class InceptionI3d: Module {
    /// Classes, input channels and batch-norm ε (fixed by the weights; ε through ``batchNormEpsilon``).
    public private(set) var configuration: I3DConfiguration

    /// Batch-norm ε, a property of the loaded model: 1e-5 for the PyTorch port, 1e-3 to reproduce the TF-Hub graph's
    /// numerics with converted weights. Settable after loading; negative or non-finite values are ignored.
    public var batchNormEpsilon: Float {
        get { configuration.batchNormEpsilon }
        set { if newValue.isFinite && newValue >= 0 { configuration.batchNormEpsilon = newValue } }
    }

    /// Whether the stride-1 3×3×3 convolutions (70 % of the network's multiplies) run as Winograd F(2×2×2, 3×3×3)
    /// when no gradient is needed: 3.4× fewer multiplies, the same convolution with its sums regrouped (logits
    /// within about 1e-6 relative of the direct convolution's). `false` keeps the direct convolution everywhere.
    public var usesWinogradConvolutions = true {
        didSet { for case let (_, unit as Unit3D) in namedModules() { unit.allowsWinograd = usesWinogradConvolutions } }
    }

    @ModuleInfo(key: "Conv3d_1a_7x7") var stemConvolution: Unit3D
    @ModuleInfo(key: "Conv3d_2b_1x1") var stemReduce: Unit3D
    @ModuleInfo(key: "Conv3d_2c_3x3") var stemExpand: Unit3D
    @ModuleInfo(key: "Mixed_3b") var mixed3b: InceptionModule
    @ModuleInfo(key: "Mixed_3c") var mixed3c: InceptionModule
    @ModuleInfo(key: "Mixed_4b") var mixed4b: InceptionModule
    @ModuleInfo(key: "Mixed_4c") var mixed4c: InceptionModule
    @ModuleInfo(key: "Mixed_4d") var mixed4d: InceptionModule
    @ModuleInfo(key: "Mixed_4e") var mixed4e: InceptionModule
    @ModuleInfo(key: "Mixed_4f") var mixed4f: InceptionModule
    @ModuleInfo(key: "Mixed_5b") var mixed5b: InceptionModule
    @ModuleInfo(key: "Mixed_5c") var mixed5c: InceptionModule
    @ModuleInfo(key: "logits") var logits: Unit3D

    let pool2a = MaxPool3dSamePadding(kernel: [1, 3, 3], stride: [1, 2, 2])
    let pool3a = MaxPool3dSamePadding(kernel: [1, 3, 3], stride: [1, 2, 2])
    let pool4a = MaxPool3dSamePadding(kernel: [3, 3, 3], stride: [2, 2, 2])
    let pool5a = MaxPool3dSamePadding(kernel: [2, 2, 2], stride: [2, 2, 2])
    /// `nn.AvgPool3d([2, 7, 7], stride=1)`: VALID, no padding.
    static let averagePoolKernel = [2, 7, 7]

    /// The network with zero weights and identity batch norms, ready for `load(weights:)`.
    public init(configuration: I3DConfiguration = .kinetics400) throws(I3DError) {
        try configuration.validate()
        self.configuration = configuration
        super.init()
        stemConvolution = Unit3D(inputChannels: configuration.inputChannels, outputChannels: 64, kernel: [7, 7, 7], stride: [2, 2, 2])
        stemReduce = Unit3D(inputChannels: 64, outputChannels: 64)
        stemExpand = Unit3D(inputChannels: 64, outputChannels: 192, kernel: [3, 3, 3])
        mixed3b = InceptionModule(inputChannels: 192, widths: [64, 96, 128, 16, 32, 32])
        mixed3c = InceptionModule(inputChannels: 256, widths: [128, 128, 192, 32, 96, 64])
        mixed4b = InceptionModule(inputChannels: 128 + 192 + 96 + 64, widths: [192, 96, 208, 16, 48, 64])
        mixed4c = InceptionModule(inputChannels: 192 + 208 + 48 + 64, widths: [160, 112, 224, 24, 64, 64])
        mixed4d = InceptionModule(inputChannels: 160 + 224 + 64 + 64, widths: [128, 128, 256, 24, 64, 64])
        mixed4e = InceptionModule(inputChannels: 128 + 256 + 64 + 64, widths: [112, 144, 288, 32, 64, 64])
        mixed4f = InceptionModule(inputChannels: 112 + 288 + 64 + 64, widths: [256, 160, 320, 32, 128, 128])
        mixed5b = InceptionModule(inputChannels: 256 + 320 + 128 + 128, widths: [256, 160, 320, 32, 128, 128])
        mixed5c = InceptionModule(inputChannels: 256 + 320 + 128 + 128, widths: [384, 192, 384, 48, 128, 128])
        logits = Unit3D(inputChannels: 384 + 384 + 128 + 128, outputChannels: configuration.numberOfClasses, isLogits: true)
        train(false)
    }

    /// The one rename table: the module keys are the port's own, so only buffers the model does not use are dropped
    /// (`num_batches_tracked`, a training counter) and a `DataParallel` `module.` prefix is removed.
    public override var checkpointRules: CheckpointRules {
        [
            .renamePrefix("module.", to: ""),
            .drop(pattern: #"\.num_batches_tracked$"#),
        ]
    }

    /// The 1024-channel features before the average pool (the port's `extract_pre_pool_features`), [N, 1024, T', H', W'].
    public func prePoolFeatures(_ video: Tensor) throws(I3DError) -> Tensor {
        try validate(video)
        let epsilon = configuration.batchNormEpsilon
        var x = stemConvolution(video, epsilon: epsilon)  // [N, 64, ⌈T/2⌉, ⌈H/2⌉, ⌈W/2⌉]
        x = pool2a(x)
        x = stemExpand(stemReduce(x, epsilon: epsilon), epsilon: epsilon)
        x = pool3a(x)  // [N, 192, T/2, H/8, W/8]
        x = mixed3c(mixed3b(x, epsilon: epsilon), epsilon: epsilon)
        x = pool4a(x)  // [N, 480, T/4, H/16, W/16]
        for block in [mixed4b, mixed4c, mixed4d, mixed4e, mixed4f] { x = block(x, epsilon: epsilon) }
        x = pool5a(x)  // [N, 832, T/8, H/32, W/32]
        return mixed5c(mixed5b(x, epsilon: epsilon), epsilon: epsilon)
    }

    /// The port's `forward`: logits averaged over time, [N, classes] for a 224-ish clip (spatial axes of size 1
    /// are squeezed, as `squeeze(3).squeeze(3)` does; larger inputs keep theirs, [N, classes, H', W']).
    /// Dropout is the identity in evaluation mode, which is how FVD runs the network.
    public func callAsFunction(_ video: Tensor) throws(I3DError) -> Tensor {
        let features = try prePoolFeatures(video).averagePool3d(kernel: Self.averagePoolKernel, stride: [1, 1, 1])
        var x = logits(features, epsilon: configuration.batchNormEpsilon)  // [N, classes, T', H', W']
        // `x.squeeze(3).squeeze(3)`: each removes axis 3 only when it has size 1.
        for _ in 0..<2 where x.rank > 3 && x.shape[3] == 1 { x = x.squeezed(3) }
        return x.mean(axis: 2)
    }

    /// Output size of the whole network along one axis before the average pool (SAME pools and convs round up).
    static func reducedSize(_ size: Int, strides: [Int]) -> Int {
        strides.reduce(size) { ($0 + $1 - 1) / $1 }
    }

    private func validate(_ video: Tensor) throws(I3DError) {
        guard video.rank == 5 else { throw .invalidInput("video must be [B, C, T, H, W], got shape \(video.shape)") }
        guard video.dtype.isFloatingPoint else { throw .invalidInput("video must be floating point, got \(video.dtype)") }
        guard video.shape[0] > 0 else { throw .invalidInput("video batch is empty (shape \(video.shape))") }
        guard video.shape[1] == configuration.inputChannels else {
            throw .invalidInput("video has \(video.shape[1]) channels, the model expects \(configuration.inputChannels) (shape \(video.shape))")
        }
        // T: conv /2, pool 4a /2, pool 5a /2; H and W: conv, 2a, 3a, 4a, 5a each /2. The average pool needs 2 × 7 × 7.
        let time = Self.reducedSize(video.shape[2], strides: [2, 2, 2])
        let height = Self.reducedSize(video.shape[3], strides: [2, 2, 2, 2, 2])
        let width = Self.reducedSize(video.shape[4], strides: [2, 2, 2, 2, 2])
        guard time >= Self.averagePoolKernel[0], height >= Self.averagePoolKernel[1], width >= Self.averagePoolKernel[2] else {
            throw .invalidInput("video \(video.shape) is too small: I3D needs at least \(I3DConfiguration.minimumFrames) frames "
                                + "and \(I3DConfiguration.minimumSide)×\(I3DConfiguration.minimumSide) pixels (FVD resizes to 224×224)")
        }
    }
}
