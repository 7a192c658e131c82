import Checkpoints
import Foundation
import Testing

/// A reference fixture written by scripts/fixtures/tensor_kernels.py.
struct KernelFixture {
    let file: SafetensorsFile

    init(_ name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"),
                               "missing fixture \(name).safetensors")
        file = try SafetensorsFile(url: url)
    }

    /// Float values of a tensor.
    func floats(_ name: String) throws -> [Float] { try file.floats(name).values }
    /// Shape of a tensor.
    func shape(_ name: String) throws -> [Int] { try file.floats(name).shape }
    /// Integer values of a tensor.
    func integers(_ name: String) throws -> [Int] { try file.integers(name).values }
}

/// max |actual − expected| / max |expected| (the project's relative-error measure).
func kernelRelativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count, "compared arrays differ in length: \(actual.count) vs \(expected.count)")
    var difference: Float = 0, scale: Float = 0
    for (a, e) in zip(actual, expected) {
        difference = max(difference, abs(a - e))
        scale = max(scale, abs(e))
    }
    return scale == 0 ? difference : difference / scale
}

import Tensor

extension KernelFixture {
    /// A float32 tensor with the fixture's shape.
    func tensor(_ name: String) throws -> Tensor {
        let (values, shape) = try file.floats(name)
        return Tensor(values, shape: shape)
    }

    /// A leaf that records gradients.
    func leaf(_ name: String) throws -> Tensor { try tensor(name).requiringGradient() }
}

/// Runs backward from `output` with the fixture's upstream gradient `prefix.output_grad`.
func backpropagate(_ output: Tensor, _ fixture: KernelFixture, _ prefix: String) throws {
    output.backward(seed: try fixture.tensor("\(prefix).output_grad"))
}

/// Relative error of a tensor against a fixture entry (shapes must match).
func kernelRelativeError(_ tensor: Tensor?, _ fixture: KernelFixture, _ name: String) throws -> Float {
    let tensor = try #require(tensor, "no tensor for \(name)")
    #expect(tensor.shape == (try fixture.shape(name)), "shape of \(name)")
    return kernelRelativeError(tensor.scalars, try fixture.floats(name))
}
