// A Qwen2-style decoder layer composed from engine ops, the same computation as
// transformers' Qwen2DecoderLayer (RMSNorm, GQA attention with RoPE and q/k/v biases, SwiGLU MLP).
import Tensor

/// Parameters and input of one decoder layer at benchmark size.
struct DecoderLayer {
    let hidden: Int, heads: Int, kvHeads: Int, ffn: Int, sequence: Int
    var headDim: Int { hidden / heads }
    var parameters: [String: Tensor]
    let input: Tensor
    let rotary: RotaryTable

    init(hidden: Int = 1024, heads: Int = 16, kvHeads: Int = 4, ffn: Int = 2816, sequence: Int = 512, seed: UInt64 = 0) {
        self.hidden = hidden; self.heads = heads; self.kvHeads = kvHeads; self.ffn = ffn; self.sequence = sequence
        var random = RandomGenerator(seed: seed)
        let headDim = hidden / heads, scale = 1 / Float(hidden).squareRoot()
        func matrix(_ rows: Int, _ columns: Int) -> Tensor { random.normal([rows, columns], standardDeviation: scale) }
        parameters = [
            "input_layernorm.weight": Tensor.ones([hidden]) + random.normal([hidden], standardDeviation: 0.1),
            "self_attn.q_proj.weight": matrix(heads * headDim, hidden), "self_attn.q_proj.bias": random.normal([heads * headDim]),
            "self_attn.k_proj.weight": matrix(kvHeads * headDim, hidden), "self_attn.k_proj.bias": random.normal([kvHeads * headDim]),
            "self_attn.v_proj.weight": matrix(kvHeads * headDim, hidden), "self_attn.v_proj.bias": random.normal([kvHeads * headDim]),
            "self_attn.o_proj.weight": matrix(hidden, heads * headDim),
            "post_attention_layernorm.weight": Tensor.ones([hidden]) + random.normal([hidden], standardDeviation: 0.1),
            "mlp.gate_proj.weight": matrix(ffn, hidden), "mlp.up_proj.weight": matrix(ffn, hidden),
            "mlp.down_proj.weight": matrix(hidden, ffn),
        ]
        input = random.normal([1, sequence, hidden])
        rotary = RotaryTable.standard(positions: Array(0..<sequence), dimension: headDim, theta: 1_000_000)
    }

    /// The layer's output for `x` [1, L, hidden] with parameters `p`.
    func forward(_ x: Tensor, _ p: [String: Tensor]) -> Tensor {
        let length = x.shape[1]
        let normed = x.rmsNorm(weight: p["input_layernorm.weight"]!, epsilon: 1e-6)
        let q = normed.linear(weight: p["self_attn.q_proj.weight"]!, bias: p["self_attn.q_proj.bias"]!).reshaped([1, length, heads, headDim])
        let k = normed.linear(weight: p["self_attn.k_proj.weight"]!, bias: p["self_attn.k_proj.bias"]!).reshaped([1, length, kvHeads, headDim])
        let v = normed.linear(weight: p["self_attn.v_proj.weight"]!, bias: p["self_attn.v_proj.bias"]!).reshaped([1, length, kvHeads, headDim])
        let attention = Tensor.scaledDotProductAttention(
            query: q.applyingRotaryEmbedding(rotary, positionAxis: 1).transposed(1, 2),
            key: k.applyingRotaryEmbedding(rotary, positionAxis: 1).transposed(1, 2),
            value: v.transposed(1, 2), causal: true)
        let attended = x + attention.transposed(1, 2).reshaped([1, length, hidden]).linear(weight: p["self_attn.o_proj.weight"]!)
        let normed2 = attended.rmsNorm(weight: p["post_attention_layernorm.weight"]!, epsilon: 1e-6)
        let gate = normed2.linear(weight: p["mlp.gate_proj.weight"]!).silu()
        let up = normed2.linear(weight: p["mlp.up_proj.weight"]!)
        return attended + (gate * up).linear(weight: p["mlp.down_proj.weight"]!)
    }

    /// Forward and backward of sum(output) with respect to every parameter and the input.
    func forwardBackward() -> Float {
        let leaves = parameters.mapValues { $0.requiringGradient() }
        let x = input.requiringGradient()
        let output = forward(x, leaves)
        output.backward(seed: Tensor.ones(output.shape))
        return leaves["mlp.down_proj.weight"]!.gradient!.firstElement + x.gradient!.firstElement
    }
}
