// Mirrors transformers' CLIPTextEmbeddings and CLIPTextTransformer (models/clip/modeling_clip.py): token and
// position embeddings, the causal encoder with the padding mask, `final_layer_norm`, and EOS pooling.
//
// Shape legend: B texts, L positions, W hidden width.
import Checkpoints
import NN
import Tensor

/// Token plus absolute position embeddings.
final class CLIPTextEmbeddings: Module {
    /// [vocabulary, W]
    @ModuleInfo(key: "token_embedding") var tokenEmbedding: Embedding
    /// [max positions, W]
    @ModuleInfo(key: "position_embedding") var positionEmbedding: Embedding

    init(_ configuration: CLIPTextConfiguration) {
        super.init()
        tokenEmbedding = Embedding(reservingCount: configuration.vocabularySize, dimensions: configuration.hiddenSize)
        positionEmbedding = Embedding(reservingCount: configuration.maxPositionEmbeddings, dimensions: configuration.hiddenSize)
    }

    /// ids [B, L] (int64) → [B, L, W].
    func callAsFunction(_ ids: Tensor) -> Tensor {
        let length = ids.shape[1]
        return tokenEmbedding(ids) + positionEmbedding.weight.narrowed(axis: 0, start: 0, length: length).unsqueezed(0)
    }
}

/// The text transformer: embeddings → causal encoder → final LN → the hidden state at the EOS position.
final class CLIPTextTransformer: Module {
    @ModuleInfo(key: "embeddings") var embeddings: CLIPTextEmbeddings
    @ModuleInfo(key: "encoder") var encoder: CLIPEncoder
    @ModuleInfo(key: "final_layer_norm") var finalNorm: LayerNorm
    let configuration: CLIPTextConfiguration

    init(_ configuration: CLIPTextConfiguration, activation: CLIPActivation) {
        self.configuration = configuration
        let epsilon = Float(configuration.layerNormEpsilon)
        super.init()
        embeddings = CLIPTextEmbeddings(configuration)
        encoder = CLIPEncoder(layers: configuration.hiddenLayers, hiddenSize: configuration.hiddenSize,
                              intermediateSize: configuration.intermediateSize, heads: configuration.attentionHeads,
                              activation: activation, epsilon: epsilon)
        finalNorm = LayerNorm(dimensions: configuration.hiddenSize, epsilon: epsilon)
    }

    /// The position pooled for each row, as transformers picks it: with the pre-#24773 `eos_token_id` of 2,
    /// the first position of the largest id (the end token is the largest id of the original vocabulary);
    /// otherwise the first position holding `eos_token_id` (position 0 when a row has none, as `argmax` of
    /// an all-zero row gives).
    static func poolingPositions(_ ids: [[Int]], endTokenID: Int) -> [Int] {
        ids.map { row in
            if endTokenID == 2 {
                var best = 0
                for (position, id) in row.enumerated() where id > row[best] { best = position }
                return best
            }
            return row.firstIndex(of: endTokenID) ?? 0
        }
    }

    /// ids [B, L] (validated by the caller) and a bool padding mask [B, L] (true at padding) → pooled [B, W].
    func pooled(ids: [[Int]], keyPaddingMask: Tensor?) -> Tensor {
        let (batch, length) = (ids.count, ids.first?.count ?? 0)
        let idTensor = Tensor(indices: ids.flatMap { $0 }, shape: [batch, length])
        let hidden = finalNorm(encoder(embeddings(idTensor), causal: true, keyPaddingMask: keyPaddingMask))  // [B, L, W]
        let positions = Self.poolingPositions(ids, endTokenID: configuration.eosTokenId)
        let rows = positions.enumerated().map { $0.offset * length + $0.element }
        return hidden.reshaped([batch * length, configuration.hiddenSize])   // [B·L, W]
            .indexSelected(axis: 0, indices: Tensor(indices: rows, shape: [batch]))  // [B, W]
    }
}
