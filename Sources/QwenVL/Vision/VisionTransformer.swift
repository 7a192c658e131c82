// Mirrors transformers' Qwen2_5_VisionTransformerPretrainedModel and its parts (Qwen2_5_VisionPatchEmbed,
// Qwen2_5_VLVisionAttention, Qwen2_5_VLVisionBlock, Qwen2_5_VLPatchMerger) in modeling_qwen2_5_vl.py.
//
// Shape legend: N patches (Σ t·h·w), M = N / merge² merged tokens, C hidden width, H heads, D = C / H,
// P = channels · temporal patch · patch² values per patch.
import NN
import Tensor

/// The Conv3d patch embedding (kernel = stride = patch) run as the equivalent bias-free Linear over
/// flattened patches; the checkpoint rules flatten the Conv3d weight [C, 3, t, p, p] to [C, P].
final class VisionPatchEmbedding: Module {
    @ModuleInfo(key: "proj") var projection: Linear

    init(patchValues: Int, hiddenSize: Int) {
        super.init()
        projection = Linear(reserving: patchValues, hiddenSize, bias: false)
    }
}

/// Bidirectional attention within block-diagonal segments (windows or whole frames), 2-D rotary on q and k.
final class VisionAttention: Module {
    @ModuleInfo(key: "qkv") var queryKeyValue: Linear
    @ModuleInfo(key: "proj") var projection: Linear
    let heads: Int

    init(hiddenSize: Int, heads: Int) {
        self.heads = heads
        super.init()
        queryKeyValue = Linear(reserving: hiddenSize, 3 * hiddenSize)
        projection = Linear(reserving: hiddenSize, hiddenSize)
    }

    /// `input` [N, C] → [N, C]; `rotary` has N positions, `segments` partition the N patches.
    func callAsFunction(_ input: Tensor, rotary: RotaryTable, segments: AttentionSegments) -> Tensor {
        let (count, width) = (input.shape[0], input.shape[1])
        let headDimension = width / heads
        let packed = queryKeyValue(input).reshaped([count, 3, heads, headDimension])               // [N, 3, H, D]
        func part(_ index: Int) -> Tensor { packed.sliced(axis: 1, start: index, end: index + 1).squeezed(1) } // [N, H, D]
        // Rotary in float32 (the reference's fp32 island, rounded once after), then [1, H, N, D] views for the fused kernel.
        func rotated(_ index: Int) -> Tensor {
            part(index).applyingRotaryEmbedding(rotary, positionAxis: 0).roundedToActivationPrecision().unsqueezed(0).transposed(1, 2)
        }
        let (query, key) = (rotated(0), rotated(1))
        let value = part(2).unsqueezed(0).transposed(1, 2)
        let context = Tensor.scaledDotProductAttention(query: query, key: key, value: value, segments: segments,
                                                       roundingProbabilitiesToBFloat16: ActivationPrecision.current == .bfloat16) // [1, H, N, D]
        return projection(context.transposed(1, 2).reshaped([count, width]).roundedToActivationPrecision()) // [N, C]
    }
}

/// Pre-norm block: x += attn(norm1 x); x += mlp(norm2 x), with a biased SwiGLU MLP.
final class VisionBlock: Module {
    @ModuleInfo(key: "norm1") var attentionNorm: RMSNorm
    @ModuleInfo(key: "norm2") var feedForwardNorm: RMSNorm
    @ModuleInfo(key: "attn") var attention: VisionAttention
    @ModuleInfo(key: "mlp") var feedForward: SwiGLUMLP

    init(configuration: QwenVisionConfiguration) {
        let (width, inner) = (configuration.hiddenSize, configuration.intermediateSize)
        super.init()
        // The vision norms' epsilon is hard-coded to 1e-6 in the reference.
        attentionNorm = RMSNorm(weight: .reserved([width]), epsilon: 1e-6)
        feedForwardNorm = RMSNorm(weight: .reserved([width]), epsilon: 1e-6)
        attention = VisionAttention(hiddenSize: width, heads: configuration.attentionHeads)
        feedForward = SwiGLUMLP(gate: Linear(reserving: width, inner), up: Linear(reserving: width, inner),
                                down: Linear(reserving: inner, width))
    }

    func callAsFunction(_ input: Tensor, rotary: RotaryTable, segments: AttentionSegments) -> Tensor {
        let attended = (input + attention(attentionNorm(input), rotary: rotary, segments: segments)).roundedToActivationPrecision()
        return (attended + feedForward(feedForwardNorm(attended))).roundedToActivationPrecision()
    }
}

/// `nn.Sequential(Linear, GELU, Linear)`: checkpoint keys `mlp.0.*` and `mlp.2.*`.
final class MergerProjection: Module {
    @ModuleInfo(key: "0") var first: Linear
    @ModuleInfo(key: "2") var second: Linear

    init(inputSize: Int, outputSize: Int) {
        super.init()
        first = Linear(reserving: inputSize, inputSize)
        second = Linear(reserving: inputSize, outputSize)
    }
}

/// RMSNorm per patch, then each merge block's patches concatenated and projected to the text width.
final class PatchMerger: Module {
    @ModuleInfo(key: "ln_q") var norm: RMSNorm
    @ModuleInfo(key: "mlp") var projection: MergerProjection
    let unit: Int

    init(configuration: QwenVisionConfiguration) {
        unit = configuration.spatialMergeSize * configuration.spatialMergeSize
        super.init()
        norm = RMSNorm(weight: .reserved([configuration.hiddenSize]), epsilon: 1e-6)
        projection = MergerProjection(inputSize: configuration.hiddenSize * unit, outputSize: configuration.outHiddenSize)
    }

    /// [N, C] → [M, out].
    func callAsFunction(_ input: Tensor) -> Tensor {
        let merged = norm(input).reshaped([input.shape[0] / unit, unit * input.shape[1]])          // [M, merge²·C]
        return projection.second(projection.first(merged).gelu().roundedToActivationPrecision())
    }
}

/// The vision tower: patches of any number of images or videos → merged tokens in processor order.
public final class QwenVisionTransformer: Module {
    @ModuleInfo(key: "patch_embed") var patchEmbedding: VisionPatchEmbedding
    @ModuleInfo(key: "blocks") var blocks: [VisionBlock]
    @ModuleInfo(key: "merger") var merger: PatchMerger
    public let configuration: QwenVisionConfiguration

    /// A shape-only tower (parameters reserved until `load`).
    public init(configuration: QwenVisionConfiguration) {
        self.configuration = configuration
        super.init()
        patchEmbedding = VisionPatchEmbedding(patchValues: patchValues, hiddenSize: configuration.hiddenSize)
        blocks = (0..<configuration.depth).map { _ in VisionBlock(configuration: configuration) }
        merger = PatchMerger(configuration: configuration)
    }

    /// Values per patch: channels × temporal patch × patch².
    public var patchValues: Int {
        configuration.inputChannels * configuration.temporalPatchSize * configuration.patchSize * configuration.patchSize
    }

    /// Checks `pixels` [N, P] against `grids` (t, h, w); `kind` names the input in errors.
    public func validate(pixels: Tensor, grids: [[Int]], kind: String) throws(QwenVLError) {
        let merge = configuration.spatialMergeSize
        for (index, grid) in grids.enumerated() {
            guard grid.count == 3, grid.allSatisfy({ $0 > 0 }), grid[1] % merge == 0, grid[2] % merge == 0 else {
                throw .invalidGrid(kind: kind, index: index, grid: grid, mergeSize: merge)
            }
        }
        let patches = grids.reduce(0) { $0 + $1[0] * $1[1] * $1[2] }
        guard pixels.rank == 2, pixels.shape[1] == patchValues, pixels.shape[0] == patches, pixels.dtype.isFloatingPoint else {
            throw .invalidModelInput(tensor: kind, reason: "expected floating-point [\(patches), \(patchValues)] for grids \(grids), got \(pixels.dtype) \(pixels.shape)")
        }
    }

    /// Merged vision features [M, out] of `pixels` [N, P], in the processor's (t, block row, block column)
    /// order — the window permutation is undone, so they scatter into the prompt in order.
    public func callAsFunction(_ pixels: Tensor, grids: [[Int]]) -> Tensor {
        let merge = configuration.spatialMergeSize, unit = merge * merge
        let windowTokens = configuration.windowSize / merge / configuration.patchSize
        let layout = VisionLayout(grids: grids, mergeSize: merge, windowTokens: windowTokens)
        let width = configuration.hiddenSize, count = layout.patchCount
        // The reference casts the pixels to the tower's dtype first (bf16 under bf16 activations).
        var hidden = patchEmbedding.projection(pixels.converted(to: .float32).roundedToActivationPrecision()) // [N, C]
        // Into window order, merge blocks moving whole (their rotary angles move with them).
        hidden = hidden.reshaped([count / unit, unit * width])                                      // [M, merge²·C]
            .indexSelected(axis: 0, indices: Tensor(indices: layout.windowIndex, shape: [layout.windowIndex.count]))
            .reshaped([count, width])                                                               // [N, C]
        let patchOrder = layout.windowIndex.flatMap { token in (0..<unit).map { token * unit + $0 } }
        let rotary = RotaryTable.vision(rows: patchOrder.map { layout.rows[$0] }, columns: patchOrder.map { layout.columns[$0] },
                                        dimension: width / configuration.attentionHeads)
        let windows = AttentionSegments(offsets: layout.windowOffsets)
        let frames = AttentionSegments(offsets: layout.frameOffsets)
        let fullAttention = Set(configuration.fullAttentionBlockIndexes)
        for (index, block) in blocks.enumerated() {
            hidden = block(hidden, rotary: rotary, segments: fullAttention.contains(index) ? frames : windows)
        }
        let inverse = layout.inverseWindowIndex
        return merger(hidden).indexSelected(axis: 0, indices: Tensor(indices: inverse, shape: [inverse.count])) // [M, out]
    }
}
