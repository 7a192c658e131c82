// umT5 encoder workloads, mirrored by scripts/bench/umt5_bench.py (transformers UMT5EncoderModel).
import Tensor
import Wan

/// The text-encoder workloads `make bench` compares with transformers.
let umt5Workloads: [Workload] = [
    Workload(name: "umt5_encode",
             summary: "umT5-XXL-width encoder (d_model 4096, 64 heads × 64, d_ff 10240), 4 layers, 128 tokens, random bf16 weights; bf16 products where torch runs bf16 (its faster dtype on CPUs with native bf16), float32 products elsewhere") {
        let model = UMT5BenchModel.make(layers: 4)
        // The same arithmetic class as torch's side (scripts/bench/torch_dtype.py): bf16 products (bf16 inputs,
        // float32 accumulation) against its bf16 model, float32 products (weights widened) against its float32 one.
        model.productPrecision = torchRunsBFloat16 ? .bfloat16 : .float32
        let ids = [(0..<128).map { ($0 * 37 + 11) % UMT5BenchModel.vocabularySize }]
        return {
            Autograd.withoutGradient {
                do { return try model.lastHiddenState(inputIDs: ids).firstElement } catch { fatalError("\(error)") }
            }
        }
    },
]

enum UMT5BenchModel {
    /// A small vocabulary: the embedding lookup is not what is timed, and the real 256,384 rows would cost 2 GB.
    static let vocabularySize = 1024

    /// An XXL-width encoder with random bf16 weights: N(0, 1/in) projections, unit norms, N(0, 1) tables.
    static func make(layers: Int) -> UMT5EncoderModel {
        var configuration = UMT5Configuration()
        configuration.vocabularySize = vocabularySize
        configuration.modelDimension = 4096
        configuration.attentionHeads = 64
        configuration.keyValueDimension = 64
        configuration.feedForwardDimension = 10240
        configuration.layers = layers
        let model = UMT5EncoderModel(configuration: configuration, dtype: .bfloat16)
        var random = RandomGenerator(seed: 13)
        var weights: [String: Tensor] = [:]
        for (key, parameter) in model.parameters().sorted(by: { $0.key < $1.key }) {
            let value: Tensor
            if key.hasSuffix("layer_norm.weight") {
                value = Tensor.ones(parameter.shape)
            } else if key.hasPrefix("shared.") || key.hasSuffix("relative_attention_bias.weight") {
                value = random.normal(parameter.shape)
            } else {
                value = random.normal(parameter.shape, standardDeviation: 1 / Float(parameter.shape[1]).squareRoot())
            }
            weights[key] = value.converted(to: .bfloat16)
        }
        do { try model.load(weights: weights) } catch { fatalError("\(error)") }
        model.train(false)
        return model
    }
}
