import Checkpoints
import Foundation
import Tensor

/// Reads the torch reference fixtures written by scripts/fixtures/tensor_ops.py.
struct ReferenceFixture {
    let file: SafetensorsFile

    static let shared: ReferenceFixture = {
        let url = Bundle.module.url(forResource: "tensor_ops", withExtension: "safetensors", subdirectory: "Fixtures")!
        return ReferenceFixture(file: try! SafetensorsFile(url: url))
    }()

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
