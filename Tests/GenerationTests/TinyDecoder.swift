// A tiny random-weight pre-norm decoder built from NN's generic pieces (Embedding, Attention, SwiGLUMLP,
// RMSNorm, an untied head whose small logits keep sampling diverse): the model the generation tests drive. Its per-request state is TextDecoderState.
import Generation
import NN
import Tensor

/// One pre-norm block: x += attention(norm(x)); x += feedForward(norm(x)).
final class TinyBlock: Module {
    @ModuleInfo(key: "attention") var attention: Attention
    @ModuleInfo(key: "feed_forward") var feedForward: SwiGLUMLP
    @ModuleInfo(key: "attention_norm") var attentionNorm: RMSNorm
    @ModuleInfo(key: "feed_forward_norm") var feedForwardNorm: RMSNorm

    init(hiddenSize: Int, initializer: inout RandomGenerator) {
        super.init()
        attention = Attention(hiddenSize: hiddenSize, heads: 4, keyValueHeads: 2, queryKeyValueBias: true, initializer: &initializer)
        feedForward = SwiGLUMLP(hiddenSize: hiddenSize, intermediateSize: 48, initializer: &initializer)
        attentionNorm = RMSNorm(dimensions: hiddenSize)
        feedForwardNorm = RMSNorm(dimensions: hiddenSize)
    }
}

final class TinyDecoder: Module, LanguageModel {
    @ModuleInfo(key: "embed_tokens") var embedding: Embedding
    @ModuleInfo(key: "layers") var layers: [TinyBlock]
    @ModuleInfo(key: "norm") var norm: RMSNorm
    @ModuleInfo(key: "lm_head") var head: Linear
    let vocabularySize = 50, hiddenSize = 32, ropeBase: Float = 10000
    let cacheStorage: DType

    init(seed: UInt64, cacheStorage: DType = .float32) {
        self.cacheStorage = cacheStorage
        var initializer = RandomGenerator(seed: seed)
        super.init()
        embedding = Embedding(count: vocabularySize, dimensions: hiddenSize, initializer: &initializer)
        layers = (0..<2).map { _ in TinyBlock(hiddenSize: hiddenSize, initializer: &initializer) }
        norm = RMSNorm(dimensions: hiddenSize)
        head = Linear(hiddenSize, vocabularySize, bias: false, initializer: &initializer)
    }

    /// Logits [B, L, V] of tokens [B, L] at the flattened per-row `positions` [B·L].
    func logits(_ tokens: Tensor, positions: [Int], caches: [any KVCache]?, keyPaddingMask: Tensor?) -> Tensor {
        // One rotary table per forward, shared by every layer.
        let rotary = RotaryTable.standard(positions: positions, dimension: layers[0].attention.headDimension, theta: ropeBase)
        var hidden = embedding(tokens)                                                             // [B, L, hidden]
        for (index, layer) in layers.enumerated() {
            hidden = hidden + layer.attention(layer.attentionNorm(hidden), rotary: rotary, cache: caches?[index], causal: true,
                                              keyPaddingMask: keyPaddingMask)
            hidden = hidden + layer.feedForward(layer.feedForwardNorm(hidden))
        }
        return head(norm(hidden))                                                    // [B, L, V]
    }

    /// Full-sequence logits [B, L, V] without a cache, positions 0..<L (what scoring a completion computes).
    func logits(_ tokens: Tensor) -> Tensor {
        let (batch, length) = (tokens.shape[0], tokens.shape[1])
        return logits(tokens, positions: Array((0..<batch).map { _ in 0..<length }.joined()), caches: nil, keyPaddingMask: nil)
    }

    func makeCaches() -> [any KVCache] { layers.map { _ in StandardKVCache(storageType: cacheStorage, chunk: 4) } }

    func prefill(_ tokens: Tensor, caches: [any KVCache], state: inout TextDecoderState) -> Tensor {
        let length = tokens.shape[1]
        // Left padding is the run of pad tokens (id 0) each row starts with.
        let leading = (0..<tokens.shape[0]).map { row in
            tokens.sliced(axis: 0, start: row, end: row + 1).int64Scalars.prefix { $0 == TinyDecoder.padToken }.count
        }
        let positions = state.advance(count: length, leadingPadding: leading)
        return logits(tokens, positions: positions, caches: caches, keyPaddingMask: state.keyPaddingMask)
            .sliced(axis: 1, start: length - 1, end: length).squeezed(1)                        // [B, V]
    }

    func step(_ tokens: Tensor, caches: [any KVCache], state: inout TextDecoderState) -> Tensor {
        let positions = state.advance(count: 1)
        return logits(tokens.reshaped([tokens.shape[0], 1]), positions: positions, caches: caches,
                      keyPaddingMask: state.keyPaddingMask).squeezed(1)                         // [B, V]
    }

    static let padToken: Int64 = 0
}
