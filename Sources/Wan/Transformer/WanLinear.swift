// The bf16 compute path of diffusers' bf16 DiT (`torch_dtype=torch.bfloat16`): with bf16 weights, the big
// projections round their input to bf16 and multiply bf16 × bf16 (AVX512-BF16 in the engine's matmul),
// float32 accumulation, bf16 output — what torch's bf16 linear does. Off by default: float32 activations
// against bf16 weights are exact widenings and match the float32 references. Wᵀ is prepared once when the
// mode is switched on (2 bytes per weight more), so no call transposes a weight.
import NN
import Tensor

extension Linear {
    /// Wᵀ [in, out] in bf16, made once, when this is a frozen plain bf16 Linear the bf16 path can use.
    func bfloat16TransposedWeight() -> Tensor? {
        guard type(of: self) == Linear.self, weight.dtype == .bfloat16, weight.rank == 2, !weight.requiresGradient else { return nil }
        return weight.transposed().contiguous()
    }

    /// `self(x)`, or with a prepared `transposedWeight` and `x` off the tape, the bf16 × bf16 product.
    func wanForward(_ x: Tensor, transposedWeight: Tensor?) -> Tensor {
        guard let transposedWeight, !x.requiresGradient, !weight.requiresGradient,
              transposedWeight.shape == [inputDimensions, outputDimensions] else { return self(x) }
        let flat = x.reshaped([-1, inputDimensions]).converted(to: .bfloat16)  // [tokens, in]
        var output = flat.matmul(transposedWeight).converted(to: .float32)     // [tokens, out]
        if let bias { output = output + bias }
        return output.reshaped(Array(x.shape.dropLast()) + [outputDimensions])
    }
}
