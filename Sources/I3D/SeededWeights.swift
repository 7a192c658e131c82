// Deterministic synthetic I3D weights written identically in numpy (scripts/fixtures/i3d_fvd.py `seeded_uniform`):
// the real network is ~50 MB, too big to commit, so fixtures and benchmarks regenerate the same weights from a rule.
import Tensor

/// Reproducible pseudo-random tensors from a key and a seed, bit-identical to the numpy version in
/// `scripts/fixtures/i3d_fvd.py`: element i of key k is `low + (high − low) · u` (in float64, rounded to float32)
/// with u = (SplitMix64 output i of seed ⊕ FNV-1a-64(k)) >> 40, divided by 2²⁴.
public enum SeededWeights {
    /// FNV-1a, 64-bit, over the key's UTF-8 bytes.
    static func fnv1a(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// `count` values uniform in [low, high) for `key` under `seed`.
    public static func uniform(key: String, count: Int, low: Double, high: Double, seed: UInt64) -> [Float] {
        var state = seed ^ fnv1a(key)
        let width = high - low
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(low + width * (Double(z >> 40) / 16_777_216))
        }
    }

    /// The range a state-dict key is drawn from: He-uniform convolutions (so activations keep their scale through
    /// ReLUs), and batch norms whose γ, β and running statistics are all far from identity, so ε and the
    /// statistics matter.
    public static func range(key: String, shape: [Int]) -> (low: Double, high: Double) {
        if key.hasSuffix(".conv3d.weight"), shape.count == 5 {
            let bound = (6.0 / Double(shape[1...].reduce(1, *))).squareRoot()
            return (-bound, bound)
        }
        if key.hasSuffix(".conv3d.bias") { return (-0.1, 0.1) }
        if key.hasSuffix(".bn.weight") || key.hasSuffix(".bn.running_var") { return (0.5, 1.5) }
        if key.hasSuffix(".bn.bias") || key.hasSuffix(".bn.running_mean") { return (-0.2, 0.2) }
        return (-1, 1)
    }

    /// A full state dict for `model`'s keys and shapes (without `num_batches_tracked`).
    public static func stateDict(for model: InceptionI3d, seed: UInt64) -> [String: Tensor] {
        model.parameters().mapValues { $0.shape }.reduce(into: [:]) { result, entry in
            let (low, high) = range(key: entry.key, shape: entry.value)
            let values = uniform(key: entry.key, count: entry.value.reduce(1, *), low: low, high: high, seed: seed)
            result[entry.key] = Tensor(values, shape: entry.value)
        }
    }
}
