// Float64 linear algebra for the Fréchet distance: the symmetric eigendecomposition (Householder tridiagonalisation
// then the implicit QL algorithm: EISPACK tred2/tql2 as in JAMA's EigenvalueDecomposition, public domain) and the
// symmetric matrix square root of tf-gan's `_symmetric_matrix_square_root` (cdfvd/third_party/i3d/utils.py).
import Foundation

/// A dense square float64 matrix, row-major.
public struct SquareMatrix: Sendable, Equatable {
    /// Rows (= columns).
    public let size: Int
    /// `size · size` entries, row-major.
    public var entries: [Double]

    public init(size: Int, entries: [Double]) {
        precondition(entries.count == size * size, "a \(size)×\(size) matrix needs \(size * size) entries")
        self.size = size
        self.entries = entries
    }

    public subscript(row: Int, column: Int) -> Double {
        get { entries[row * size + column] }
        set { entries[row * size + column] = newValue }
    }

    /// Σ diagonal.
    public var trace: Double { (0..<size).reduce(0) { $0 + entries[$1 * size + $1] } }

    /// self · other (i-k-j order, so the inner loop runs along rows of both).
    public func multiplied(by other: SquareMatrix) -> SquareMatrix {
        precondition(other.size == size, "matrix sizes differ")
        let n = size
        var result = [Double](repeating: 0, count: n * n)
        entries.withUnsafeBufferPointer { a in
            other.entries.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        for k in 0..<n {
                            let scale = a[i * n + k]
                            if scale == 0 { continue }
                            for j in 0..<n { c[i * n + j] += scale * b[k * n + j] }
                        }
                    }
                }
            }
        }
        return SquareMatrix(size: n, entries: result)
    }
}

/// Eigenvalues and orthonormal eigenvectors of a symmetric matrix: A = V · diag(values) · Vᵀ.
public struct SymmetricEigendecomposition: Sendable {
    /// Eigenvalues (in the order the QL iteration leaves them; not sorted).
    public var values: [Double]
    /// Eigenvectors as columns: `vectors[row, i]` is component `row` of the vector of `values[i]`.
    public var vectors: SquareMatrix

    /// Decomposes `matrix`, whose upper and lower triangles must agree (only symmetry is assumed, not definiteness).
    /// Returns nil when the QL iteration fails to converge (non-finite entries).
    public init?(_ matrix: SquareMatrix) {
        let n = matrix.size
        guard n > 0 else {
            values = []
            vectors = matrix
            return
        }
        var v = matrix.entries, d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        let converged = v.withUnsafeMutableBufferPointer { v in
            d.withUnsafeMutableBufferPointer { d in
                e.withUnsafeMutableBufferPointer { e in
                    Self.tridiagonalize(n, v, d, e)
                    return Self.diagonalize(n, v, d, e)
                }
            }
        }
        guard converged else { return nil }
        values = d
        vectors = SquareMatrix(size: n, entries: v)
    }

    /// tred2: Householder reduction to tridiagonal form; V accumulates the transformations, d and e receive the
    /// diagonal and sub-diagonal.
    private static func tridiagonalize(_ n: Int, _ V: UnsafeMutableBufferPointer<Double>,
                                       _ d: UnsafeMutableBufferPointer<Double>, _ e: UnsafeMutableBufferPointer<Double>) {
        for j in 0..<n { d[j] = V[(n - 1) * n + j] }
        var i = n - 1
        while i > 0 {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = V[(i - 1) * n + j]
                    V[i * n + j] = 0
                    V[j * n + i] = 0
                }
            } else {
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    V[j * n + i] = f
                    g = e[j] + V[j * n + j] * f
                    var k = j + 1
                    while k <= i - 1 {
                        g += V[k * n + j] * d[k]
                        e[k] += V[k * n + j] * f
                        k += 1
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    for k in j...(i - 1) { V[k * n + j] -= f * e[k] + g * d[k] }
                    d[j] = V[(i - 1) * n + j]
                    V[i * n + j] = 0
                }
            }
            d[i] = h
            i -= 1
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            V[(n - 1) * n + i] = V[i * n + i]
            V[i * n + i] = 1
            let h = d[i + 1]
            if h != 0 {
                for k in 0...i { d[k] = V[k * n + i + 1] / h }
                for j in 0...i {
                    var g = 0.0
                    for k in 0...i { g += V[k * n + i + 1] * V[k * n + j] }
                    for k in 0...i { V[k * n + j] -= g * d[k] }
                }
            }
            for k in 0...i { V[k * n + i + 1] = 0 }
        }
        for j in 0..<n {
            d[j] = V[(n - 1) * n + j]
            V[(n - 1) * n + j] = 0
        }
        V[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// tql2: implicit QL iterations on the tridiagonal form, rotating V along; false if an eigenvalue fails to
    /// converge in 64 iterations (only non-finite input does that).
    private static func diagonalize(_ n: Int, _ V: UnsafeMutableBufferPointer<Double>,
                                    _ d: UnsafeMutableBufferPointer<Double>, _ e: UnsafeMutableBufferPointer<Double>) -> Bool {
        for i in 1..<n { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, tst1 = 0.0
        let eps = Double.ulpOfOne
        for l in 0..<n {
            tst1 = max(tst1, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1 && abs(e[m]) > eps * tst1 { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > 64 || !tst1.isFinite { return false }
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    var i = l + 2
                    while i < n {
                        d[i] -= h
                        i += 1
                    }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0
                    let el1 = e[l + 1]
                    i = m - 1
                    while i >= l {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        for k in 0..<n {
                            let row = k * n
                            h = V[row + i + 1]
                            V[row + i + 1] = s * V[row + i] + c * h
                            V[row + i] = c * V[row + i] - s * h
                        }
                        i -= 1
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > eps * tst1
            }
            d[l] += f
            e[l] = 0
        }
        return true
    }
}

/// The square root tf-gan takes of a symmetric matrix through its SVD, U · diag(σ ≥ 1e-10 ? √σ : σ) · Vᵀ.
/// For a symmetric matrix the singular values are |λ| and the singular vectors are ±the eigenvectors, so the same
/// matrix is Σ sign(λ) · r(|λ|) · q qᵀ with r the rule above: a tiny negative eigenvalue from rounding stays tiny
/// (it is not clamped, and not square-rooted into something large).
enum SymmetricSquareRoot {
    static let epsilon = 1e-10

    /// The rule applied to one eigenvalue.
    static func root(of eigenvalue: Double) -> Double {
        let magnitude = abs(eigenvalue)
        let rooted = magnitude < epsilon ? magnitude : magnitude.squareRoot()
        return eigenvalue < 0 ? -rooted : rooted
    }

    /// The matrix square root of symmetric `matrix`; nil if the eigendecomposition fails.
    static func matrix(_ matrix: SquareMatrix) -> SquareMatrix? {
        guard let decomposition = SymmetricEigendecomposition(matrix) else { return nil }
        let n = matrix.size, q = decomposition.vectors
        let roots = decomposition.values.map(root(of:))
        // Q · diag(roots) · Qᵀ, symmetric by construction.
        var scaled = q
        for row in 0..<n { for column in 0..<n { scaled[row, column] *= roots[column] } }
        var result = [Double](repeating: 0, count: n * n)
        scaled.entries.withUnsafeBufferPointer { a in
            q.entries.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        for j in i..<n {
                            var sum = 0.0
                            for k in 0..<n { sum += a[i * n + k] * b[j * n + k] }
                            c[i * n + j] = sum
                            c[j * n + i] = sum
                        }
                    }
                }
            }
        }
        return SquareMatrix(size: n, entries: result)
    }

    /// tr sqrt(M) for symmetric M: Σ root(λ), no eigenvectors needed beyond the decomposition.
    static func trace(_ matrix: SquareMatrix) -> Double? {
        SymmetricEigendecomposition(matrix).map { $0.values.reduce(0) { $0 + root(of: $1) } }
    }
}
