// Mirrors `frechet_distance` / `trace_sqrt_product` / `cov` of cdfvd/third_party/i3d/utils.py (after tf-gan's
// `frechet_classifier_distance_from_activations`), in float64:
//   d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 · tr sqrt( sqrt(Σ₁) Σ₂ sqrt(Σ₁) ).

/// How the covariance of N feature vectors is normalised.
public enum CovarianceNormalization: String, Sendable, Codable, CaseIterable {
    /// Divide by N − 1, as cd-fvd's `frechet_distance` (`cov`) and tf-gan do: the FVD default.
    case unbiased
    /// Divide by N, as StyleGAN-V's `FeatureStats` (and cd-fvd's `cdfvd.compute_fvd`, which uses it) do.
    case biased
}

/// The mean and covariance of a set of feature vectors, in float64.
public struct FeatureStatistics: Sendable, Equatable {
    /// The widest features accepted: 8192 (a 512 MB covariance); FVD uses 400, FID 2048.
    public static let maximumDimensions = 8192
    /// Number of feature vectors (videos).
    public let count: Int
    /// Feature width D.
    public let dimensions: Int
    /// [D].
    public let mean: [Double]
    /// [D, D].
    public let covariance: SquareMatrix

    /// Statistics of `features`, N rows of `dimensions` values each (row-major, N · D values).
    /// - Throws: ``VideoMetricsError`` for fewer than 2 rows (the covariance is undefined), a ragged count or
    ///   non-finite values; `name` says which set in the message.
    public init(features: [Double], dimensions: Int, normalization: CovarianceNormalization = .unbiased,
                name: String = "features") throws(VideoMetricsError) {
        guard dimensions > 0 else { throw .invalidInput("\(name): feature width must be positive, got \(dimensions)") }
        guard dimensions <= Self.maximumDimensions else {
            throw .invalidInput("\(name): feature width \(dimensions) exceeds \(Self.maximumDimensions) (a D × D float64 covariance and an O(D³) eigensolver)")
        }
        guard features.count % dimensions == 0 else {
            throw .invalidInput("\(name): \(features.count) values are not whole rows of \(dimensions)")
        }
        let count = features.count / dimensions
        guard count >= 2 else {
            throw .invalidInput("\(name): the Fréchet distance needs at least 2 feature vectors (videos), got \(count)")
        }
        guard features.allSatisfy(\.isFinite) else { throw .invalidInput("\(name): features contain NaN or infinity") }
        self.count = count
        self.dimensions = dimensions
        let d = dimensions
        var mean = [Double](repeating: 0, count: d)
        for row in 0..<count { for j in 0..<d { mean[j] += features[row * d + j] } }
        for j in 0..<d { mean[j] /= Double(count) }
        // Σ = Xcᵀ Xc / (N − 1 or N) over the centred rows, upper triangle then mirrored.
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        covariance.withUnsafeMutableBufferPointer { c in
            for row in 0..<count {
                for j in 0..<d { centred[j] = features[row * d + j] - mean[j] }
                centred.withUnsafeBufferPointer { x in
                    for i in 0..<d {
                        let xi = x[i]
                        for j in i..<d { c[i * d + j] += xi * x[j] }
                    }
                }
            }
            let divisor = Double(normalization == .unbiased ? count - 1 : count)
            for i in 0..<d {
                for j in i..<d {
                    c[i * d + j] /= divisor
                    c[j * d + i] = c[i * d + j]
                }
            }
        }
        self.mean = mean
        self.covariance = SquareMatrix(size: d, entries: covariance)
    }
}

/// The Fréchet distance between two Gaussians fitted to feature sets: FVD when the features are I3D logits.
public enum FrechetDistance {
    /// tf-gan's `trace_sqrt_product`: tr sqrt(sqrt(Σ₁) Σ₂ sqrt(Σ₁)) = Σ √λ(Σ₁Σ₂), with symmetric square roots only, so a
    /// rank-deficient Σ (N ≤ D) stays well defined. The matrix roots follow tf-gan's SVD rule (see `SymmetricSquareRoot`).
    public static func traceSqrtProduct(_ first: SquareMatrix, _ second: SquareMatrix) throws(VideoMetricsError) -> Double {
        guard let root = SymmetricSquareRoot.matrix(first) else { throw .invalidInput("covariance eigendecomposition did not converge") }
        var product = root.multiplied(by: second).multiplied(by: root)
        // Symmetrise: the product is symmetric in exact arithmetic; rounding must not feed an asymmetric matrix to tred2.
        let n = product.size
        for i in 0..<n {
            for j in (i + 1)..<n {
                let mean = (product[i, j] + product[j, i]) / 2
                product[i, j] = mean
                product[j, i] = mean
            }
        }
        guard let trace = SymmetricSquareRoot.trace(product) else { throw .invalidInput("product eigendecomposition did not converge") }
        return trace
    }

    /// d² between the Gaussians (μ₁, Σ₁) and (μ₂, Σ₂).
    public static func distance(_ first: FeatureStatistics, _ second: FeatureStatistics) throws(VideoMetricsError) -> Double {
        guard first.dimensions == second.dimensions else {
            throw .invalidInput("feature widths differ: \(first.dimensions) and \(second.dimensions)")
        }
        let meanTerm = zip(first.mean, second.mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let traceTerm = first.covariance.trace + second.covariance.trace
        return traceTerm - 2 * (try traceSqrtProduct(first.covariance, second.covariance)) + meanTerm
    }

    /// d² between two feature sets given as N₁ × D and N₂ × D row-major values (cd-fvd's `frechet_distance(x1, x2)`).
    public static func distance(_ first: [Double], _ second: [Double], dimensions: Int,
                                normalization: CovarianceNormalization = .unbiased) throws(VideoMetricsError) -> Double {
        try distance(FeatureStatistics(features: first, dimensions: dimensions, normalization: normalization, name: "first set"),
                     FeatureStatistics(features: second, dimensions: dimensions, normalization: normalization, name: "second set"))
    }
}
