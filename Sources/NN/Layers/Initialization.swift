// Deterministic parameter initialisation: torch.nn.init's uniform bounds (kaiming_uniform with a=√5
// for Linear, i.e. U(−1/√fan_in, 1/√fan_in)) drawn from a seeded SplitMix64 stream.
import Tensor

/// A seeded source of initial parameter values (reproducible bit for bit, independent of threads).
public struct ParameterInitializer: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next value uniformly distributed in [0, 1) (24 random bits, like a float32 draw).
    public mutating func nextUnit() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Float(value >> 40) * 0x1p-24
    }

    /// A float32 tensor with values uniform in [−bound, bound).
    public mutating func uniform(_ shape: [Int], bound: Float) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count { values[index] = (nextUnit() * 2 - 1) * bound }
        return Tensor(values, shape: shape)
    }
}
