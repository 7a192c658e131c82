// The percentile bootstrap (Efron 1979) over evaluation samples: resample the samples with replacement, recompute
// the statistic, and take the 2.5th and 97.5th percentiles. Seeded, so a table reproduces to the digit.

/// A point estimate with its 95 % bootstrap confidence interval.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    /// The statistic on all samples.
    public var value: Double
    public var lower: Double
    public var upper: Double

    public init(value: Double, lower: Double, upper: Double) {
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// A seeded percentile bootstrap.
public struct Bootstrap: Sendable {
    public var resamples: Int
    public var seed: UInt64

    public init(resamples: Int = 1000, seed: UInt64 = 0) {
        self.resamples = resamples
        self.seed = seed
    }

    /// `statistic` on 0..<count and on `resamples` resampled index lists; the interval's bounds are the 2.5 % and
    /// 97.5 % percentiles (linear interpolation, as numpy's default) of the finite resampled values.
    public func interval(count: Int, statistic: ([Int]) throws -> Double) rethrows -> ConfidenceInterval {
        let value = try statistic(Array(0..<count))
        guard count > 0, resamples > 0 else { return ConfidenceInterval(value: value, lower: value, upper: value) }
        var state = seed ^ 0x5DEE_CE66_D1CE_4E5B
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let indices = (0..<count).map { _ in Int(next() % UInt64(count)) }
            let resampled = try statistic(indices)
            if resampled.isFinite { values.append(resampled) }
        }
        guard !values.isEmpty else { return ConfidenceInterval(value: value, lower: .nan, upper: .nan) }
        values.sort()
        return ConfidenceInterval(value: value, lower: Self.percentile(values, 0.025), upper: Self.percentile(values, 0.975))
    }

    /// The `fraction` percentile of sorted `values` with linear interpolation.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let position = fraction * Double(values.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, values.count - 1)
        return values[low] + (values[high] - values[low]) * (position - Double(low))
    }
}
