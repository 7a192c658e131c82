// maxPool3d(kernel:stride:zeroPadding:) against F.max_pool3d(F.pad(x, pad)) (fixture: scripts/fixtures/i3d_fvd.py).
import Checkpoints
import Foundation
import Tensor
import Testing

@Suite("Zero-padded max pool vs PyTorch")
struct ZeroPaddedMaxPoolTests {
    // Equal to torch element for element (max is exact), including asymmetric padding, strides and NaN propagation.
    @Test func matchesTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "max_pool3d_zero_padded", withExtension: "safetensors", subdirectory: "Fixtures"))
        let file = try SafetensorsFile(url: url)
        for index in 0..<5 {
            let (input, inputShape) = try file.floats("case\(index).input")
            let (expected, outputShape) = try file.floats("case\(index).output")
            let g = try file.integers("case\(index).geometry").values  // kernel[3], stride[3], F.pad order (W, H, T pairs)
            let padding = [ConvolutionPadding(front: g[10], back: g[11]), ConvolutionPadding(front: g[8], back: g[9]),
                           ConvolutionPadding(front: g[6], back: g[7])]
            let output = Tensor(input, shape: inputShape).maxPool3d(kernel: Array(g[0..<3]), stride: Array(g[3..<6]), zeroPadding: padding)
            #expect(output.shape == outputShape, "case \(index)")
            let same = zip(output.scalars, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
            #expect(same, "case \(index)")
        }
    }

    // It agrees with the engine's padded() + maxPool3d() on random input (the route it replaces in I3D).
    @Test func matchesPadThenPool() {
        var random = RandomGenerator(seed: 4)
        let x = random.normal([1, 3, 6, 9, 10])
        let padding = [ConvolutionPadding(front: 0, back: 1), ConvolutionPadding(front: 1, back: 1), ConvolutionPadding(front: 1, back: 0)]
        let fast = x.maxPool3d(kernel: [2, 3, 3], stride: [2, 2, 1], zeroPadding: padding)
        let reference = x.padded([1, 0, 1, 1, 0, 1]).maxPool3d(kernel: [2, 3, 3], stride: [2, 2, 1])
        #expect(fast.shape == reference.shape && fast.scalars == reference.scalars)
    }

    // Many random geometries (kernels 1–4, strides 1–3, paddings 0–3 on each side, rows of 1–13 elements, all-negative
    // inputs so zero padding shows, NaNs in some planes): equal to padded() + maxPool3d() element for element.
    @Test func randomGeometriesMatchPadThenPool() {
        var random = RandomGenerator(seed: 11), geometry = RandomGenerator(seed: 0x5EED)
        func draw(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Swift.min(range.count - 1, Int(geometry.uniform([1]).scalars[0] * Float(range.count)))
        }
        for trial in 0..<300 {
            var kernel = [Int](), stride = [Int](), padding = [ConvolutionPadding](), size = [Int]()
            for _ in 0..<3 {
                let k = draw(1...4), s = draw(1...3)
                let front = draw(0...3), back = draw(0...3)
                let n = Swift.max(draw(1...13), k - front - back)
                kernel.append(k); stride.append(s); padding.append(ConvolutionPadding(front: front, back: back)); size.append(n)
            }
            let channels = draw(1...3)
            var x = random.normal([1, channels] + size) - (trial % 2 == 0 ? 3 : 0)
            if trial % 5 == 0 {
                var values = x.scalars
                values[draw(0...(values.count - 1))] = .nan
                x = Tensor(values, shape: x.shape)
            }
            let fast = x.maxPool3d(kernel: kernel, stride: stride, zeroPadding: padding)
            let amounts = [padding[2].front, padding[2].back, padding[1].front, padding[1].back, padding[0].front, padding[0].back]
            let reference = x.padded(amounts).maxPool3d(kernel: kernel, stride: stride)
            let same = fast.shape == reference.shape
                && zip(fast.scalars, reference.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
            #expect(same, "trial \(trial): size \(size) kernel \(kernel) stride \(stride) padding \(padding)")
        }
    }

    // Under autodiff it is differentiable: the same values and gradients as padded() + maxPool3d().
    @Test func gradientsFollowPadThenPool() {
        var random = RandomGenerator(seed: 5)
        let x = random.normal([1, 2, 4, 5, 6])
        let padding = [ConvolutionPadding(front: 1, back: 1), ConvolutionPadding(front: 0, back: 1), ConvolutionPadding(front: 1, back: 1)]
        let fast = Autograd.valueAndGradient(at: ["x": x]) { p in
            (p["x"]!.maxPool3d(kernel: [3, 3, 3], stride: [1, 2, 1], zeroPadding: padding) * 1.5).sum()
        }
        let reference = Autograd.valueAndGradient(at: ["x": x]) { p in
            (p["x"]!.padded([1, 1, 0, 1, 1, 1]).maxPool3d(kernel: [3, 3, 3], stride: [1, 2, 1]) * 1.5).sum()
        }
        #expect(fast.value.scalars == reference.value.scalars)
        let gradient = fast.gradients["x"]?.scalars ?? []
        #expect(gradient.count == x.elementCount && gradient.contains { $0 != 0 })
        #expect(gradient == reference.gradients["x"]?.scalars)
    }
}

