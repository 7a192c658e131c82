// The float64 Fréchet distance against cd-fvd's `frechet_distance`, scipy's sqrtm form and cd-fvd's biased class
// path (fixtures: scripts/fixtures/i3d_fvd.py), and the symmetric eigensolver under it.
import Foundation
import I3D
import Testing
import TestSupport
@testable import VideoMetrics

struct FrechetCase: Decodable {
    var seed: UInt64
    var count_a: Int
    var count_b: Int
    var dimensions: Int
    var range_a: [Double]
    var range_b: [Double]
    var frechet_distance: Double
    var scipy_unbiased: Double
    var scipy_biased: Double
    var cdfvd_class_biased: Double

    /// The features the script drew (float32 values widened to float64).
    func features() -> (a: [Double], b: [Double]) {
        (SeededWeights.uniform(key: "features_a", count: count_a * dimensions, low: range_a[0], high: range_a[1], seed: seed).map(Double.init),
         SeededWeights.uniform(key: "features_b", count: count_b * dimensions, low: range_b[0], high: range_b[1], seed: seed).map(Double.init))
    }
}

func relativeError(_ value: Double, _ reference: Double) -> Double { abs(value - reference) / abs(reference) }

@Suite("Fréchet distance")
struct FrechetDistanceTests {
    static func cases() throws -> [FrechetCase] {
        struct File: Decodable { var cases: [FrechetCase] }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/frechet_distance/cases", withExtension: "json"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    // Unbiased: within 1e-6 relative of cd-fvd's frechet_distance and of scipy's sqrtm(Σ₁Σ₂) form, for N > D and
    // N ≤ D (rank-deficient covariances, including D = 400 as VANS's 400-video benchmarks have).
    @Test func matchesCdFvdAndScipy() throws {
        for c in try Self.cases() {
            let (a, b) = c.features()
            let value = try FrechetDistance.distance(a, b, dimensions: c.dimensions)
            #expect(relativeError(value, c.frechet_distance) < 1e-6, "N \(c.count_a)/\(c.count_b) D \(c.dimensions): \(value) vs \(c.frechet_distance)")
            #expect(relativeError(value, c.scipy_unbiased) < 1e-6, "N \(c.count_a)/\(c.count_b) D \(c.dimensions): \(value) vs scipy \(c.scipy_unbiased)")
        }
    }

    // Biased (divide by N): within 1e-6 of cd-fvd's `compute_fvd` path (FeatureStats + scipy sqrtm).
    @Test func biasedMatchesCdFvdClass() throws {
        for c in try Self.cases() {
            let (a, b) = c.features()
            let value = try FrechetDistance.distance(a, b, dimensions: c.dimensions, normalization: .biased)
            #expect(relativeError(value, c.cdfvd_class_biased) < 1e-6, "N \(c.count_a)/\(c.count_b) D \(c.dimensions): \(value)")
            #expect(relativeError(value, c.scipy_biased) < 1e-6)
        }
    }

    // The distance of a set to itself is ~0 (not exactly: the square roots round), and it is symmetric.
    @Test func identicalSetsAndSymmetry() throws {
        var generator = SplitMix(seed: 3)
        let a = (0..<(20 * 12)).map { _ in Double.random(in: -1...1, using: &generator) }
        let b = (0..<(15 * 12)).map { _ in Double.random(in: 0...2, using: &generator) }
        #expect(abs(try FrechetDistance.distance(a, a, dimensions: 12)) < 1e-9)
        let forward = try FrechetDistance.distance(a, b, dimensions: 12), backward = try FrechetDistance.distance(b, a, dimensions: 12)
        #expect(relativeError(forward, backward) < 1e-12)
    }

    // Fewer than 2 vectors, ragged input, different widths and NaN are typed errors.
    @Test func rejectsBadFeatures() {
        let two = [Double](repeating: 1, count: 8)
        #expect(throws: VideoMetricsError.self) { try FrechetDistance.distance([1, 2, 3, 4], two, dimensions: 4) }
        #expect(throws: VideoMetricsError.self) { try FrechetDistance.distance([1, 2, 3], two, dimensions: 4) }
        #expect(throws: VideoMetricsError.self) { try FrechetDistance.distance(two, [1, 2, 3, 4, 5, 6], dimensions: 4) }
        #expect(throws: VideoMetricsError.self) {
            try FrechetDistance.distance(FeatureStatistics(features: two, dimensions: 4), FeatureStatistics(features: two, dimensions: 2))
        }
        #expect(throws: VideoMetricsError.self) { try FrechetDistance.distance([1, .nan, 3, 4, 5, 6, 7, 8], two, dimensions: 4) }
    }
}

@Suite("Symmetric eigendecomposition")
struct SymmetricEigendecompositionTests {
    // A = V diag(λ) Vᵀ and VᵀV = I to ~1e-13 for random symmetric matrices, including rank-deficient and 1×1 ones.
    @Test func reconstructsAndIsOrthonormal() throws {
        var generator = SplitMix(seed: 11)
        for (size, rank) in [(1, 1), (2, 2), (7, 7), (33, 33), (40, 9)] {
            // A = B Bᵀ − c·I with B n×rank: symmetric, indefinite when c > 0, rank-deficient when rank < n and c = 0.
            let b = (0..<(size * rank)).map { _ in Double.random(in: -1...1, using: &generator) }
            var entries = [Double](repeating: 0, count: size * size)
            for i in 0..<size { for j in 0..<size { for k in 0..<rank { entries[i * size + j] += b[i * rank + k] * b[j * rank + k] } } }
            if rank == size { for i in 0..<size { entries[i * size + i] -= 0.5 } }
            let matrix = SquareMatrix(size: size, entries: entries)
            let decomposition = try #require(SymmetricEigendecomposition(matrix))
            let v = decomposition.vectors
            var worstReconstruction = 0.0, worstOrthogonality = 0.0
            for i in 0..<size {
                for j in 0..<size {
                    var sum = 0.0, dot = 0.0
                    for k in 0..<size {
                        sum += v[i, k] * decomposition.values[k] * v[j, k]
                        dot += v[k, i] * v[k, j]
                    }
                    worstReconstruction = max(worstReconstruction, abs(sum - matrix[i, j]))
                    worstOrthogonality = max(worstOrthogonality, abs(dot - (i == j ? 1 : 0)))
                }
            }
            #expect(worstReconstruction < 1e-12 * Double(size), "n \(size): reconstruction error \(worstReconstruction)")
            #expect(worstOrthogonality < 1e-13 * Double(size), "n \(size): orthogonality error \(worstOrthogonality)")
        }
    }

    // The matrix square root squares back to a PSD matrix, and tf-gan's rule keeps tiny eigenvalues as they are.
    @Test func squareRootSquaresBack() throws {
        var generator = SplitMix(seed: 12)
        let n = 9
        let b = (0..<(n * 4)).map { _ in Double.random(in: -1...1, using: &generator) }
        var entries = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<4 { entries[i * n + j] += b[i * 4 + k] * b[j * 4 + k] } } }
        let matrix = SquareMatrix(size: n, entries: entries)
        let root = try #require(SymmetricSquareRoot.matrix(matrix))
        let square = root.multiplied(by: root)
        #expect(zip(square.entries, matrix.entries).map { abs($0 - $1) }.max()! < 1e-9)
        #expect(SymmetricSquareRoot.root(of: 4) == 2 && SymmetricSquareRoot.root(of: 1e-12) == 1e-12 && SymmetricSquareRoot.root(of: -1e-12) == -1e-12)
    }
}
