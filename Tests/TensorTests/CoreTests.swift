import Testing
@testable import Tensor

@Suite("Tensor core: views, dtypes, autodiff")
struct CoreTests {
    // A permuted, sliced view reads the right elements without copying the storage.
    @Test func viewsShareStorage() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let view = x.permuted([2, 0, 1]).sliced(axis: 0, start: 1, end: 4, step: 2)
        #expect(view.storage === x.storage)
        #expect(view.shape == [2, 2, 3])
        #expect(view.scalars == [1, 5, 9, 13, 17, 21, 3, 7, 11, 15, 19, 23])
        #expect(x.flipped(axes: [2]).sliced(axis: 1, start: 0, end: 1).scalars == [3, 2, 1, 0, 15, 14, 13, 12])
    }

    // Broadcast arithmetic matches hand-computed values and its gradient sums over broadcast axes.
    @Test func broadcastGradient() {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]).requiringGradient()
        let b = Tensor([10, 20, 30], shape: [3]).requiringGradient()
        let y = (a * b + a).sum()
        let expected: Float = 11 + 42 + 93 + 44 + 105 + 186
        #expect(y.item == expected)
        y.backward()
        #expect(a.gradient?.scalars == [11, 21, 31, 11, 21, 31])
        #expect(b.gradient?.scalars == [5, 7, 9])
    }

    // Gradients accumulate across backward calls until cleared.
    @Test func gradientAccumulates() {
        let w = Tensor([2, 3] as [Float], shape: [2]).requiringGradient()
        (w * w).sum().backward()
        (w * w).sum().backward()
        #expect(w.gradient?.scalars == [8, 12])
        w.zeroGradient()
        #expect(w.gradient == nil)
    }

    // Nothing is recorded inside a no-gradient scope or for detached inputs.
    @Test func noGradientScope() {
        let w = Tensor([1, 2], shape: [2]).requiringGradient()
        let inside = Autograd.withoutGradient { w * 2 }
        #expect(!inside.requiresGradient)
        #expect(!(w.detached() * 2).requiresGradient)
        #expect((w * 2).requiresGradient)
    }

    // matmul agrees with a hand-computed product, including a transposed operand and its gradients.
    @Test func matmulAndGradient() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGradient()
        let b = Tensor([1, 0, 0, 1, 1, 1], shape: [2, 3]).requiringGradient()
        let product = a.matmul(b.transposed())
        #expect(product.scalars == [1, 6, 4, 15])
        product.sum().backward()
        #expect(a.gradient?.scalars == [2, 1, 1, 2, 1, 1])
        #expect(b.gradient?.scalars == [5, 7, 9, 5, 7, 9])
    }

    // valueAndGradient returns gradients keyed like the parameters, zeros for unused ones.
    @Test func valueAndGradientKeys() {
        let parameters = ["w": Tensor([3], shape: [1]), "unused": Tensor([1, 1], shape: [2])]
        let (value, gradients) = Autograd.valueAndGradient(at: parameters) { p in (p["w"]! * p["w"]!).sum() }
        #expect(value.item == 9)
        #expect(gradients["w"]?.scalars == [6])
        #expect(gradients["unused"]?.scalars == [0, 0])
    }
}
