import Checkpoints
import Foundation
import Tensor
import Testing

/// Reads the torch reference fixtures written by scripts/fixtures/tensor_ops.py.
struct ReferenceFixture {
    let file: SafetensorsFile

    static let shared = ReferenceFixture(named: "tensor_ops")
    /// The cases of scripts/fixtures/tensor_ops_more.py (stack, pad, topk, cumsum, per-token losses, norms over an axis).
    static let more = ReferenceFixture(named: "tensor_ops_more")

    init(file: SafetensorsFile) { self.file = file }

    init(named name: String) {
        let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures")!
        file = try! SafetensorsFile(url: url)
    }

    /// Names of the cases in the file (the part of each tensor name before the first dot).
    var caseNames: Set<String> { Set(file.tensorNames.compactMap { $0.split(separator: ".").first.map(String.init) }) }

    func has(_ name: String) -> Bool { file.tensors[name] != nil }

    /// A float tensor, or an int64 tensor for integer/bool entries.
    func tensor(_ name: String) throws -> Tensor {
        let info = try file.info(name)
        if info.dtype.isFloatingPoint {
            let (values, shape) = try file.floats(name)
            return Tensor(values, shape: shape)
        }
        let (values, shape) = try file.integers(name)
        return Tensor(indices: values, shape: shape)
    }

    /// Raw 16-bit patterns (bf16/f16 stored as int16).
    func bits(_ name: String) throws -> [UInt16] {
        try file.integers(name).values.map { UInt16(truncatingIfNeeded: $0) }
    }

    /// Inputs of a case, keyed by their short names.
    func inputs(of caseName: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in file.tensorNames where name.hasPrefix("\(caseName).in.") {
            result[String(name.dropFirst(caseName.count + 4))] = try tensor(name)
        }
        return result
    }
}

/// Runs `function` on a case's inputs (float inputs as gradient leaves) and expects torch's output within
/// 1e-5 relative (integer outputs exactly) and the gradients of sum(out·w) within 1e-4 relative.
func expectMatchesTorch(_ fixture: ReferenceFixture, caseName: String, _ function: ([String: Tensor]) -> Tensor) throws {
    let inputs = try fixture.inputs(of: caseName)
    #expect(!inputs.isEmpty, "fixture has no inputs for \(caseName)")
    let leaves = inputs.mapValues { $0.dtype == .float32 ? $0.requiringGradient() : $0 }
    let output = function(leaves)
    let expected = try fixture.tensor("\(caseName).out")
    #expect(output.shape == expected.shape, "\(caseName) shape")
    if expected.dtype == .int64 {
        #expect(output.int64Scalars == expected.int64Scalars, "\(caseName) values")
        return
    }
    let forwardError = relativeError(output.scalars, expected.scalars)
    #expect(forwardError <= 1e-5, "\(caseName) forward relative error \(forwardError)")
    guard fixture.has("\(caseName).w") else { return }
    (output * (try fixture.tensor("\(caseName).w"))).sum().backward()
    for (name, leaf) in leaves where fixture.has("\(caseName).grad.\(name)") {
        let expectedGradient = try fixture.tensor("\(caseName).grad.\(name)")
        let gradient = try #require(leaf.gradient, "\(caseName): no gradient for \(name)")
        let error = relativeError(gradient.scalars, expectedGradient.scalars)
        #expect(error <= 1e-4, "\(caseName) gradient of \(name): relative error \(error)")
    }
}

/// max |actual − expected| / max |expected| (the norm-relative error used for every comparison).
func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    guard actual.count == expected.count else { return .infinity }
    var worst: Float = 0, scale: Float = 0
    for (a, e) in zip(actual, expected) {
        if a.isNaN != e.isNaN { return .infinity }
        if a.isNaN || (a.isInfinite && a == e) { continue }
        worst = max(worst, abs(a - e))
        scale = max(scale, abs(e))
    }
    return scale == 0 ? worst : worst / scale
}
