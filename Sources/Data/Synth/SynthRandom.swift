// A small seeded generator for the synthetic world. Swift's own generators are not
// reproducible across runs, and the world must give identical bytes for a seed.
import Foundation

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and good enough for scene layout.
public struct SynthRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser; also used to derive independent seeds from several integers.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed derived from a sequence of integers (order matters).
    public static func derive(_ parts: UInt64...) -> UInt64 {
        parts.reduce(0x5EED_0F_5C_E7E5) { mix($0 ^ mix($1 &+ 0x632B_E59B_D9B4_E019)) }
    }

    /// Uniform in [0, 1) with 53 random bits, so results do not depend on the platform's `Double.random`.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// Uniform integer in `range` (rejection sampling, so no modulo bias).
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        let limit = UInt64.max - UInt64.max % span
        var value = next()
        while value >= limit { value = next() }
        return range.lowerBound + Int(value % span)
    }

    /// A uniformly chosen element.
    public mutating func pick<T>(_ elements: [T]) -> T {
        precondition(!elements.isEmpty, "pick from an empty list")
        return elements[integer(in: 0 ... elements.count - 1)]
    }

    /// A random true with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// Fisher–Yates shuffle driven by this generator.
    public mutating func shuffled<T>(_ elements: [T]) -> [T] {
        var result = elements
        if result.count < 2 { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, integer(in: 0 ... index))
        }
        return result
    }

    /// An index drawn with probability proportional to `weights`.
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var remaining = unit() * total
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.count - 1
    }
}
