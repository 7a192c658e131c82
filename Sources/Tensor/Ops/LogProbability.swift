import CKernels

// The per-token log-probability log_softmax(logits)[token], fused: each row is read once (an online
// softmax keeps a running maximum and sum), never an [N, V] log-softmax in memory. GRPO scores
// completions with it.
extension Tensor {
    /// log_softmax(logits, −1).gather(−1, tokens) for logits [..., V] (float32, bfloat16 or float16) and
    /// int tokens [...] → [...] (float32), computed row by row in parallel. The gradient,
    /// (onehot(token) − softmax) · upstream, is written straight into the logits' gradient. Throws
    /// `TensorError.indexOutOfRange` for a token outside 0..<V (token ids come from data); mismatched
    /// shapes are a programmer error and trap.
    public static func tokenLogProbabilities(logits: Tensor, tokens: Tensor) throws(TensorError) -> Tensor {
        precondition(logits.rank >= 1 && tokens.shape == Array(logits.shape.dropLast()),
                     "tokenLogProbabilities: tokens \(tokens.shape) must be logits \(logits.shape) without the last axis")
        let vocabulary = logits.shape[logits.rank - 1], rows = tokens.elementCount
        let values = tokens.int64Scalars
        if let bad = values.first(where: { $0 < 0 || $0 >= Int64(vocabulary) }) {
            throw TensorError.indexOutOfRange(operation: "tokenLogProbabilities", index: Int(bad), axisSize: vocabulary)
        }
        let ids = Tensor(int64: values, shape: [rows])
        // 16-bit logits are read as stored and widened a block at a time, never as a float32 copy.
        let input = logits.dtype == .bfloat16 || logits.dtype == .float16 ? logits.contiguous() : logits.asFloat32.contiguous()
        let dtype = input.dtype.kernelCode
        let output = Tensor(shape: tokens.shape, zeroed: false), logSumExp = Tensor(shape: [rows], zeroed: false)
        let px = SendablePointer(input.baseAddress.assumingMemoryBound(to: UInt8.self)), pt = SendablePointer(ids.pointer(as: Int64.self))
        let py = SendablePointer(output.pointer(as: Float.self)), pl = SendablePointer(logSumExp.pointer(as: Float.self))
        let chunk = Swift.max(1, 65_536 / Swift.max(1, vocabulary))
        Parallel.forEach(count: rows, minimumChunk: chunk) { range in
            vans_token_log_probability_forward(px.base, dtype, pt.base, py.base, pl.base, Int64(vocabulary),
                                               Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "token_log_probabilities", inputs: [input]) { gradient in
            let upstream = gradient.asFloat32.contiguous()
            let result = Tensor(shape: input.shape, zeroed: false)
            let pg = SendablePointer(upstream.pointer(as: Float.self)), pr = SendablePointer(result.pointer(as: Float.self))
            Parallel.forEach(count: rows, minimumChunk: chunk) { range in
                vans_token_log_probability_backward(px.base, dtype, pt.base, pl.base, pg.base, pr.base, Int64(vocabulary),
                                                    Int64(range.lowerBound), Int64(range.upperBound))
            }
            return withExtendedLifetime((input, ids, logSumExp)) { [result] }
        }
    }
}
