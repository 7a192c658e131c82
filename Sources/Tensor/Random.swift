import CKernels

/// A seeded random generator (Philox4x32-10, counter based). Every draw advances a counter, and
/// element i of a draw depends only on (seed, counter + i), so sequences reproduce bit for bit
/// for a seed, whatever the thread count. Copying the struct forks the stream.
public struct RandomGenerator: Sendable {
    /// The key of the stream.
    public let seed: UInt64
    /// Counter position: how many elements have been drawn so far.
    public private(set) var offset: UInt64

    public init(seed: UInt64, offset: UInt64 = 0) {
        self.seed = seed
        self.offset = offset
    }

    private mutating func advance(by count: Int) -> UInt64 {
        defer { offset &+= UInt64(count) }
        return offset
    }

    /// Uniform float32 samples in [low, high).
    public mutating func uniform(_ shape: [Int], low: Float = 0, high: Float = 1) -> Tensor {
        let output = Tensor(shape: shape, zeroed: false)
        let start = advance(by: output.elementCount), seed = seed
        let pointer = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: output.elementCount, minimumChunk: 1 << 14) { range in
            vans_random_uniform_f32(seed, start, pointer.base, low, high, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return output
    }

    /// Normal float32 samples (Box–Muller).
    public mutating func normal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1) -> Tensor {
        let output = Tensor(shape: shape, zeroed: false)
        let start = advance(by: output.elementCount), seed = seed
        let pointer = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: output.elementCount, minimumChunk: 1 << 14) { range in
            vans_random_normal_f32(seed, start, pointer.base, mean, standardDeviation, Int64(range.lowerBound),
                                   Int64(range.upperBound))
        }
        return output
    }

    /// Raw 32-bit words.
    mutating func bits(_ count: Int) -> [UInt32] {
        var words = [UInt32](repeating: 0, count: count)
        let start = advance(by: count)
        words.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { vans_random_bits_u32(seed, start, base, 0, Int64(count)) }
        }
        return words
    }

    /// Integers uniform in low..<high, as int64.
    public mutating func randint(_ shape: [Int], low: Int, high: Int) -> Tensor {
        precondition(high > low, "randint needs high > low")
        let span = UInt64(high - low)
        let words = bits(shape.reduce(1, *))
        return Tensor(int64: words.map { Int64(low) + Int64((UInt64($0) * span) >> 32) }, shape: shape)
    }

    /// 1 with probability p (elementwise over `probabilities`), else 0, as float32.
    public mutating func bernoulli(_ probabilities: Tensor) -> Tensor {
        let draws = uniform(probabilities.shape)
        return draws.less(probabilities.detached()).converted(to: .float32)
    }

    /// Throws unless `weights` can be drawn from: none negative, infinite or NaN, and not all zero.
    static func checkWeights(_ weights: UnsafeBufferPointer<Float>, row: Int) throws(TensorError) {
        switch vans_weights_status(weights.baseAddress, Int64(weights.count)) {
        case 0: return
        case 1: throw .invalidProbabilities("row \(row) has a negative, infinite or NaN entry")
        default: throw .invalidProbabilities("row \(row) sums to zero")
        }
    }

    /// One index drawn with probability proportional to usable `weights` by inverting their cumulative sum
    /// (in double) at the next 32-bit word of the stream. `multinomial` and the samplers share the kernel,
    /// so a seed gives the same token whichever of them draws it.
    mutating func drawIndex(checkedWeights weights: UnsafeBufferPointer<Float>) -> Int {
        let word = bits(1)[0]
        return Int(vans_weights_draw(weights.baseAddress, Int64(weights.count), word))
    }

    /// Indices drawn from the rows of `probabilities` ([C] or [N, C], non-negative, not necessarily
    /// normalised), `count` per row, as torch.multinomial. Throws for unusable rows.
    public mutating func multinomial(_ probabilities: Tensor, count: Int, replacement: Bool) throws -> Tensor {
        let matrix = probabilities.rank == 1 ? probabilities.unsqueezed(0) : probabilities
        guard matrix.rank == 2 else { throw TensorError.invalidProbabilities("expected [C] or [N, C], got \(probabilities.shape)") }
        let rows = matrix.shape[0], classes = matrix.shape[1]
        let values = matrix.scalars
        var result: [Int64] = []
        result.reserveCapacity(rows * count)
        for row in 0..<rows {
            var weights = Array(values[(row * classes)..<((row + 1) * classes)])
            try weights.withUnsafeBufferPointer { weights throws(TensorError) in try RandomGenerator.checkWeights(weights, row: row) }
            let nonZero = weights.filter { $0 > 0 }.count
            guard replacement || count <= nonZero else {
                throw TensorError.invalidProbabilities("row \(row): \(count) samples without replacement but only \(nonZero) non-zero entries")
            }
            for _ in 0..<count {
                let chosen = weights.withUnsafeBufferPointer { drawIndex(checkedWeights: $0) }
                result.append(Int64(chosen))
                if !replacement { weights[chosen] = 0 }
            }
        }
        return Tensor(int64: result, shape: probabilities.rank == 1 ? [count] : [rows, count])
    }
}
