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

    // Shapes from data go through checked arithmetic: strides or byte sizes that overflow Int throw, even
    // for zero-element shapes (issue 17: [0, 2^62, 8] and rank 65 trapped in the stride computation).
    @Test func shapeLayoutIsChecked() throws {
        let huge = [0, 4_611_686_018_427_387_904, 8]
        #expect(throws: TensorError.shapeTooLarge(huge)) { try TensorLayout(shape: huge) }
        #expect(throws: TensorError.shapeTooLarge(huge)) { try Tensor(validatingShape: huge) }
        #expect(throws: TensorError.shapeTooLarge(huge)) { try Tensor(validating: [], shape: huge) }
        let rank65 = [0] + Array(repeating: 2, count: 64)
        #expect(throws: TensorError.shapeTooLarge(rank65)) { try TensorLayout(shape: rank65) }
        // 2^61 float32 elements would need 2^63 bytes.
        #expect(throws: TensorError.shapeTooLarge([0, 1 << 61])) { try TensorLayout(shape: [0, 1 << 61], elementSize: 4) }
        #expect(try TensorLayout(shape: [0, 1 << 61], elementSize: 2).strides == [1 << 61, 1])
        let layout = try TensorLayout(shape: [2, 0, 3])
        #expect(layout.strides == [3, 3, 1] && layout.elementCount == 0)
        #expect(try TensorLayout(shape: []).elementCount == 1)
        #expect(try Tensor(validatingShape: [0] + Array(repeating: 1, count: 64)).elementCount == 0)
        #expect(throws: TensorError.invalidShape([2, -1])) { try TensorLayout(shape: [2, -1]) }
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
