import Testing
@testable import Tensor

@Suite("topK, cumulativeSum, padded and stacked at the edges")
struct SelectionPaddingEdgeTests {
    // Equal values rank by lower index; NaN ranks above every number; unsorted selection comes in index order.
    @Test func topKTiesAndOrder() {
        let x = Tensor([3, 1, 3, .nan, 2, 3], shape: [6])
        #expect(x.topK(k: 3).indices.int64Scalars == [3, 0, 2])
        #expect(x.topK(k: 2, largest: false).indices.int64Scalars == [1, 4])
        let unsorted = x.topK(k: 4, sorted: false)
        #expect(unsorted.indices.int64Scalars == [0, 2, 3, 5])
        #expect(x.topK(k: 0).values.shape == [0])
        #expect(Tensor(scalar: 5).topK(k: 1).values.item == 5)
    }

    // A gradient through unsorted top-k reaches exactly the chosen entries.
    @Test func topKGradient() throws {
        let x = Tensor([0.5, 4, -1, 2, 3], shape: [5]).requiringGradient()
        x.topK(k: 2, sorted: false).values.sum().backward()
        #expect(try #require(x.gradient).scalars == [0, 1, 0, 0, 1])
    }

    // Running sums of an empty axis, a scalar and a bool mask (int64, as torch); a non-contiguous input matches its contiguous copy.
    @Test func cumulativeSumShapes() {
        #expect(Tensor.zeros([2, 0]).cumulativeSum(axis: 1).shape == [2, 0])
        #expect(Tensor(scalar: 3).cumulativeSum(axis: 0).item == 3)
        let mask = Tensor(bools: [true, false, true, true], shape: [4]).cumulativeSum(axis: 0)
        #expect(mask.dtype == .int64 && mask.int64Scalars == [1, 1, 2, 3])
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4]).transposed()
        #expect(x.cumulativeSum(axis: 1).scalars == x.contiguous().cumulativeSum(axis: 1).scalars)
    }

    // Constant padding of an empty axis, of integer tensors (dtype kept), and padding by nothing.
    @Test func paddingEdges() {
        let empty = Tensor.zeros([2, 0]).padded([1, 2], mode: .constant(7))
        #expect(empty.shape == [2, 3] && empty.scalars == [7, 7, 7, 7, 7, 7])
        let ids = Tensor(indices: [4, 5], shape: [2]).padded([0, 2], mode: .constant(0))
        #expect(ids.dtype == .int64 && ids.int64Scalars == [4, 5, 0, 0])
        let x = Tensor([1, 2, 3], shape: [3])
        #expect(x.padded([0, 0]).scalars == x.scalars && x.padded([0, 0], mode: .replicate).scalars == x.scalars)
    }

    // Stacking scalars gives a vector; stacking along the new last axis interleaves.
    @Test func stackingShapes() {
        #expect(Tensor.stacked([Tensor(scalar: 1), Tensor(scalar: 2)]).scalars == [1, 2])
        let a = Tensor([1, 2], shape: [2]), b = Tensor([3, 4], shape: [2])
        #expect(Tensor.stacked([a, b], axis: -1).scalars == [1, 3, 2, 4])
    }
}
