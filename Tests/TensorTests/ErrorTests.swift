import Testing
@testable import Tensor

@Suite("Bad input gives typed errors")
struct ErrorTests {
    // A value count that does not fit the shape throws, naming both.
    @Test func elementCountMismatch() {
        #expect(throws: TensorError.elementCountMismatch(shape: [2, 3], expected: 6, found: 5)) {
            try Tensor(validating: [1, 2, 3, 4, 5], shape: [2, 3])
        }
        #expect(throws: TensorError.invalidShape([-1])) { try Tensor(validating: [], shape: [-1]) }
    }

    // Data-derived indices are validated before any kernel reads memory.
    @Test func indexOutOfRange() throws {
        #expect(throws: TensorError.indexOutOfRange(operation: "embedding", index: 10, axisSize: 10)) {
            try Tensor.validatedIndices(Tensor(indices: [1, 10], shape: [2]), axisSize: 10, operation: "embedding")
        }
        let resolved = try Tensor.validatedIndices(Tensor(indices: [-1, 3], shape: [2]), axisSize: 10, operation: "gather")
        #expect(resolved.int64Scalars == [9, 3])
        #expect("\(TensorError.indexOutOfRange(operation: "gather", index: 7, axisSize: 4))".contains("index 7"))
    }

    // Cross-entropy ignores ignore-index targets and averages over the rest.
    @Test func crossEntropyIgnoresTargets() {
        let logits = Tensor([0, 0, 0, 0], shape: [2, 2])
        let loss = logits.crossEntropy(targets: Tensor(indices: [1, -100], shape: [2]))
        #expect(Swift.abs(loss.item - 0.6931472) < 1e-6)
    }
}
