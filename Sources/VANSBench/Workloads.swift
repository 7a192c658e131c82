import Foundation
import Tensor

/// One benchmark workload: `prepare` builds inputs once, `run` is the timed step.
struct Workload: Sendable {
    let name: String
    let summary: String
    let prepare: @Sendable () -> () -> Float
}

/// Whether scripts/bench/torch_dtype.py puts torch's side in bf16: its VANS_BENCH_TORCH_DTYPE override, else
/// native bf16 (AVX512-BF16; AMX-BF16 machines have it too).
var torchRunsBFloat16: Bool {
    switch ProcessInfo.processInfo.environment["VANS_BENCH_TORCH_DTYPE"] {
    case "bfloat16": return true
    case "float32": return false
    default: return CPUFeatures.hasAVX512BF16
    }
}

/// The workloads `make bench` compares with PyTorch (scripts/bench/bench.py mirrors each one).
let workloads: [Workload] = [
    Workload(name: "gemm_f32_1024", summary: "float32 matmul 1024×1024 · 1024×1024") {
        var random = RandomGenerator(seed: 1)
        let a = random.normal([1024, 1024]), b = random.normal([1024, 1024])
        return { a.matmul(b).firstElement }
    },
    Workload(name: "gemm_f32_4096x1024", summary: "float32 matmul 4096×1024 · 1024×4096") {
        var random = RandomGenerator(seed: 2)
        let a = random.normal([4096, 1024]), b = random.normal([1024, 4096])
        return { a.matmul(b).firstElement }
    },
    Workload(name: "gemm_bf16_1024", summary: "bfloat16 matmul 1024³ (bfloat16 result)") {
        var random = RandomGenerator(seed: 3)
        let a = random.normal([1024, 1024]).converted(to: .bfloat16), b = random.normal([1024, 1024]).converted(to: .bfloat16)
        return { a.matmul(b).asFloatScalar }
    },
    Workload(name: "gemv_bf16_2048x11008", summary: "one token through a bf16 linear, x [1, 2048] · Wᵀ, W [11008, 2048] (45 MB read once)") {
        var random = RandomGenerator(seed: 12)
        let x = random.normal([1, 2048]), weight = random.normal([11008, 2048]).converted(to: .bfloat16)
        return { x.linear(weight: weight).firstElement }
    },
    Workload(name: "decoder_layer_fwd", summary: "Qwen2-style decoder layer forward, hidden 1024, 16/4 heads, FFN 2816, L 512") {
        let layer = DecoderLayer()
        return { Autograd.withoutGradient { layer.forward(layer.input, layer.parameters).firstElement } }
    },
    Workload(name: "decoder_layer_fwd_bwd", summary: "the decoder layer forward + backward (all parameter and input gradients)") {
        let layer = DecoderLayer()
        return { layer.forwardBackward() }
    },
    Workload(name: "attention_4096", summary: "causal SDPA, 16 query heads over 4 KV heads, head dim 64, L 4096") {
        var random = RandomGenerator(seed: 4)
        let q = random.normal([1, 16, 4096, 64]), k = random.normal([1, 4, 4096, 64]), v = random.normal([1, 4, 4096, 64])
        return { Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true).contiguous().firstElement }
    },
    Workload(name: "attention_wan_1950", summary: "Wan-1.3B DiT self-attention: 12 heads, head dim 128, L 1950 (the 240×416×17 latent), [B, L, H, D] views, no mask") {
        var random = RandomGenerator(seed: 11)
        let q = random.normal([1, 1950, 12, 128]), k = random.normal([1, 1950, 12, 128]), v = random.normal([1, 1950, 12, 128])
        return {
            Tensor.scaledDotProductAttention(query: q.transposed(1, 2), key: k.transposed(1, 2), value: v.transposed(1, 2)).contiguous().firstElement
        }
    },
    Workload(name: "attention_bias_512", summary: "umT5-XXL encoder SDPA: 64 heads, head dim 64, L 512, learned [1, 64, L, L] bias, 112 padded keys") {
        var random = RandomGenerator(seed: 10)
        let q = random.normal([1, 64, 512, 64]), k = random.normal([1, 64, 512, 64]), v = random.normal([1, 64, 512, 64])
        let bias = random.normal([1, 64, 512, 512])
        let padding = Tensor(bools: (0..<512).map { $0 >= 400 }, shape: [1, 512])
        return { Tensor.scaledDotProductAttention(query: q, key: k, value: v, bias: bias, keyPaddingMask: padding).contiguous().firstElement }
    },
    Workload(name: "conv3d_vae", summary: "conv3d 128→128, 3×3×3, padding 1, input 9×64×64") {
        var random = RandomGenerator(seed: 5)
        let x = random.normal([1, 128, 9, 64, 64]), w = random.normal([128, 128, 3, 3, 3], standardDeviation: 0.02)
        let b = random.normal([128])
        let padding = [ConvolutionPadding(1), ConvolutionPadding(1), ConvolutionPadding(1)]
        return { x.conv3d(weight: w, bias: b, padding: padding).firstElement }
    },
    Workload(name: "silu_4m", summary: "SiLU over 2048×2048 float32") {
        var random = RandomGenerator(seed: 6)
        let x = random.normal([2048, 2048])
        return { x.silu().firstElement }
    },
    Workload(name: "gelu_tanh_4m", summary: "GELU (tanh approximation) over 2048×2048 float32") {
        var random = RandomGenerator(seed: 7)
        let x = random.normal([2048, 2048])
        return { x.gelu(approximation: .tanh).firstElement }
    },
    Workload(name: "small_ops_64k", summary: "200 chained SiLU, mul, add and scale ops on 64K floats (per-op overhead, as in decoding)") {
        var random = RandomGenerator(seed: 9)
        let x = random.normal([256, 256]), y = random.normal([256, 256])
        return {
            var h = x
            for _ in 0..<50 { h = (h.silu() * y + x) * 0.5 }  // stays O(1): no overflow lanes
            return h.firstElement
        }
    },
    Workload(name: "softmax_2048", summary: "softmax over the last axis of 2048×2048 float32") {
        var random = RandomGenerator(seed: 8)
        let x = random.normal([2048, 2048])
        return { x.softmax(axis: -1).firstElement }
    },
    Workload(name: "token_logprob_fwd_bwd", summary: "GRPO scoring: log-probabilities of 256 given tokens over 151936 logits, forward + backward") {
        var random = RandomGenerator(seed: 10)
        let logits = random.normal([256, 151_936], standardDeviation: 4), tokens = random.randint([256], low: 0, high: 151_936)
        return {
            let leaf = logits.requiringGradient()
            do { try Tensor.tokenLogProbabilities(logits: leaf, tokens: tokens).sum().backward() } catch { fatalError("\(error)") }
            return leaf.gradient?.firstElement ?? .nan
        }
    },
    Workload(name: "rms_norm_channels", summary: "Wan VAE channel RMSNorm over axis 1 of 1×96×8×64×64 float32, forward") {
        var random = RandomGenerator(seed: 11)
        let x = random.normal([1, 96, 8, 64, 64]), gamma = random.normal([96])
        return { x.rmsNorm(weight: gamma, epsilon: 0, axis: 1).firstElement }
    },
] + umt5Workloads + clipWorkloads + i3dWorkloads + wanVAEWorkloads + wanWorkloads + qwenWorkloads + answerWorkloads

extension Tensor {
    /// First element of a float32 tensor, read while `self` keeps the storage alive.
    var firstElement: Float { withExtendedLifetime(self) { pointer(as: Float.self).pointee } }

    /// First element as a Float, whatever the dtype (keeps the result alive without a full copy).
    var asFloatScalar: Float { sliced(axis: 0, start: 0, end: 1).sliced(axis: 1, start: 0, end: 1).scalars[0] }
}
