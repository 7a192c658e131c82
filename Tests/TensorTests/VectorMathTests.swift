import Foundation
import Testing
@testable import Tensor

/// The vectorised transcendental kernels (libmvec) against per-element libm, including the values that
/// polynomial shortcuts get wrong: infinities, NaN, overflow and gradual underflow.
@Suite("Vector math")
struct VectorMathTests {
    /// A spread of inputs over the ranges that matter (odd count, so the scalar tail runs too).
    static let inputs: [Float] = {
        var values: [Float] = [0, -0, 1e-30, -1e-30, 1e-6, -1e-6, 88.7, 88.8, -87.4, -103, -104, 100, -100,
                               .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        var x: Float = -20
        while x <= 20 { values.append(x); x += 0.037 }
        return values
    }()

    /// Within 4 ulp of `reference` (libmvec's bound), or within `scale`·1e-6 when the result comes from a
    /// cancellation such as 1 + erf(x) for x ≪ 0, where a 1-ulp difference in erf is amplified.
    static func agree(_ ours: Float, _ reference: Float, scale: Float = 0) -> Bool {
        if reference.isNaN { return ours.isNaN }
        if reference.isInfinite || reference == 0 { return ours == reference || abs(ours) < 1e-37 && abs(reference) < 1e-37 }
        return abs(ours - reference) <= max(1e-6 * max(abs(reference), scale), 16 * .leastNonzeroMagnitude)
    }

    // exp, tanh and erf equal libm within 4 ulp everywhere, with libm's infinities, NaN and underflow.
    @Test func transcendentalsMatchLibm() {
        let x = Tensor(Self.inputs)
        for (name, ours, reference) in [("exp", x.exp().scalars, Self.inputs.map(expf)),
                                        ("tanh", x.tanh().scalars, Self.inputs.map(tanhf)),
                                        ("erf", x.erf().scalars, Self.inputs.map(erff))] {
            let bad = zip(Self.inputs, zip(ours, reference)).filter { !Self.agree($1.0, $1.1) }
            #expect(bad.isEmpty, "\(name): \(bad.prefix(5))")
        }
    }

    // SiLU and both GELUs follow their formulas over libm, saturating cleanly at large magnitudes (the GELUs
    // to within 1e-6·|x|: 0.5·x·(1 + erf) cancels for x ≪ 0, as in torch's own kernels).
    @Test func activationsMatchFormulas() {
        let finite = Self.inputs.filter { $0.isFinite && abs($0) < 1e30 }
        let x = Tensor(finite)
        let silu = finite.map { $0 / (1 + expf(-$0)) }
        let gelu = finite.map { 0.5 * $0 * (1 + erff($0 * 0.70710678)) }
        let geluTanh = finite.map { v in 0.5 * v * (1 + tanhf(0.7978845608 * (v + 0.044715 * v * v * v))) }
        for (name, ours, reference) in [("silu", x.silu().scalars, silu), ("gelu", x.gelu().scalars, gelu),
                                        ("gelu_tanh", x.gelu(approximation: .tanh).scalars, geluTanh)] {
            let bad = zip(finite, zip(ours, reference)).filter { !Self.agree($1.0, $1.1, scale: name == "silu" ? 0 : abs($0)) }
            #expect(bad.isEmpty, "\(name): \(bad.prefix(5))")
        }
    }

    // Softmax rows with -inf entries (masked positions) give exact zeros there and sum to one.
    @Test func softmaxWithMaskedEntries() {
        let row: [Float] = [0.5, -.infinity, 2, -1e4, 3, -.infinity, 1]
        let y = Tensor(row + row, shape: [2, row.count]).softmax(axis: -1).scalars
        #expect(y[1] == 0 && y[5] == 0 && y[3] == 0)
        #expect(abs(y[0..<7].reduce(0, +) - 1) < 1e-6)
        #expect(y[0..<7] == y[7..<14])
    }
}
