import Checkpoints
import Foundation
import Tensor
import Testing

/// Opens a fixture of this test target.
func fixture(_ name: String) throws -> SafetensorsFile {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "safetensors"))
    return try SafetensorsFile(url: url)
}

/// max|actual − expected| / max|expected|: the error relative to the reference's scale.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "shapes \(actual.shape) and \(expected.shape) differ")
    let (a, e) = (actual.converted(to: .float32).contiguous().scalars, expected.converted(to: .float32).contiguous().scalars)
    let scale = e.map { abs($0) }.max() ?? 0
    let difference = zip(a, e).map { abs($0 - $1) }.max() ?? 0
    return scale == 0 ? difference : difference / scale
}
