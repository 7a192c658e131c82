// Mirrors the attention that transformers' LlamaAttention / Qwen2Attention / MistralAttention share:
// q/k/v projections, rotary positions, grouped key/value heads, scaled-dot-product attention, o_proj —
// generalised over what other models need: a rotary table built once per forward (not per layer), an
// optional KV cache, a causal flag, a key-padding mask and an additive bias (umT5's relative positions).
//
// Shape legend: B batch, L new tokens, C cached + new keys, H query heads, G key/value heads,
// D head dimension.
import Tensor

/// The keys and values one attention layer has seen, as the layer uses them. Generation's
/// per-layer KV caches conform to this (with trim and fork on top); layers need only these two.
public protocol AttentionCache: AnyObject {
    /// Positions cached before the current call (where the new tokens' cache slots start).
    var offset: Int { get }
    /// Appends keys and values [B, G, L, D] and returns every cached one [B, G, C, D], C = offset + L.
    func update(keys: Tensor, values: Tensor) -> (keys: Tensor, values: Tensor)
}

/// Multi-head attention with grouped key/value heads (`q_proj`, `k_proj`, `v_proj`, `o_proj`).
open class Attention: Module {
    @ModuleInfo(key: "q_proj") public var queryProjection: Linear
    @ModuleInfo(key: "k_proj") public var keyProjection: Linear
    @ModuleInfo(key: "v_proj") public var valueProjection: Linear
    @ModuleInfo(key: "o_proj") public var outputProjection: Linear
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int, keyValueHeads: Int) {
        precondition(heads > 0 && keyValueHeads > 0 && heads % keyValueHeads == 0, "heads \(heads) must be a multiple of key/value heads \(keyValueHeads)")
        precondition(query.outputDimensions % heads == 0, "query width \(query.outputDimensions) is not divisible by \(heads) heads")
        let headDimension = query.outputDimensions / heads
        precondition(key.outputDimensions == keyValueHeads * headDimension && value.outputDimensions == key.outputDimensions,
                     "key/value widths must be \(keyValueHeads) × \(headDimension)")
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.headDimension = headDimension
        super.init()
        queryProjection = query
        keyProjection = key
        valueProjection = value
        outputProjection = output
    }

    /// Projections hidden → heads × hidden/heads and back, initialised reproducibly. Qwen2 biases
    /// q/k/v (`queryKeyValueBias`), Llama biases nothing; no model family biases o_proj here.
    public convenience init(hiddenSize: Int, heads: Int, keyValueHeads: Int, queryKeyValueBias: Bool,
                            initializer: inout RandomGenerator) {
        let headDimension = hiddenSize / heads
        self.init(query: Linear(hiddenSize, heads * headDimension, bias: queryKeyValueBias, initializer: &initializer),
                  key: Linear(hiddenSize, keyValueHeads * headDimension, bias: queryKeyValueBias, initializer: &initializer),
                  value: Linear(hiddenSize, keyValueHeads * headDimension, bias: queryKeyValueBias, initializer: &initializer),
                  output: Linear(heads * headDimension, hiddenSize, bias: false, initializer: &initializer),
                  heads: heads, keyValueHeads: keyValueHeads)
    }

    /// Self-attention of `input` [B, L, hidden] → [B, L, hidden].
    ///
    /// - Parameters:
    ///   - rotary: positions of the L new tokens (L shared or B·L per-row positions), built once per
    ///     forward and passed to every layer; nil for no rotary embedding.
    ///   - cache: this layer's cache; the new keys and values are appended and attention reads all of them.
    ///   - causal: new token i sees cached keys and new keys up to itself (bottom-right aligned).
    ///   - keyPaddingMask: bool [B, C], true at keys to ignore (left padding of a batch of prompts).
    ///   - bias: additive score bias [B or 1, H or 1, L or 1, C], differentiable.
    open func callAsFunction(_ input: Tensor, rotary: RotaryTable?, cache: (any AttentionCache)? = nil, causal: Bool,
                             keyPaddingMask: Tensor? = nil, bias: Tensor? = nil) -> Tensor {
        let (batch, length) = (input.shape[0], input.shape[1])
        let query = queryProjection(input).reshaped([batch, length, heads, headDimension])       // [B, L, H, D]
        let key = keyProjection(input).reshaped([batch, length, keyValueHeads, headDimension])     // [B, L, G, D]
        let value = valueProjection(input).reshaped([batch, length, keyValueHeads, headDimension]) // [B, L, G, D]
        let context = Attention.attend(query: query, key: key, value: value, rotary: rotary, cache: cache, causal: causal,
                                       keyPaddingMask: keyPaddingMask, bias: bias)
        return outputProjection(context)
    }

    /// The attention core for any projection layout: rotates queries and new keys, appends to the cache,
    /// and runs the fused kernel.
    ///
    /// - Parameters: query [B, L, H, D]; key, value [B, L, G, D]; the rest as in `callAsFunction`.
    /// - Returns: [B, L, H·D], a free view of the kernel's token-major output.
    public static func attend(query: Tensor, key: Tensor, value: Tensor, rotary: RotaryTable?, cache: (any AttentionCache)?,
                              causal: Bool, keyPaddingMask: Tensor?, bias: Tensor?, scale: Float? = nil) -> Tensor {
        let (batch, length, heads, headDimension) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        var query = query, key = key
        if let rotary {
            query = query.applyingRotaryEmbeddingRoundingProducts(rotary, positionAxis: 1)
            key = key.applyingRotaryEmbeddingRoundingProducts(rotary, positionAxis: 1)
        }
        var keys = key.transposed(1, 2), values = value.transposed(1, 2)                          // [B, G, L, D] views
        if let cache { (keys, values) = cache.update(keys: keys, values: values) }                   // [B, G, C, D]
        let context = Tensor.scaledDotProductAttention(query: query.transposed(1, 2), key: keys, value: values, causal: causal,
                                                       bias: bias, keyPaddingMask: keyPaddingMask, scale: scale,
                                                       roundingProbabilitiesToBFloat16: ActivationPrecision.current == .bfloat16) // [B, H, L, D]
        return context.transposed(1, 2).reshaped([batch, length, heads * headDimension]).roundedToActivationPrecision()
    }
}
