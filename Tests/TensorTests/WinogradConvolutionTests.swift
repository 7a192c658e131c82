// conv3d(winogradFilter:) against the engine's direct conv3d (itself checked against F.conv3d in ConvolutionTests):
// the same convolution with sums regrouped, so equal to float32 rounding.
@testable import Tensor
import Testing

@Suite("Winograd F(2×2×2, 3×3×3) convolution")
struct WinogradConvolutionTests {
    // Odd and even sizes (partial edge tiles), sizes below a tile, SAME, causal (2, 0), no and uneven padding,
    // one to many channels, a batch of two, with and without bias; up to about 1e-6 of the largest output.
    @Test(arguments: [
        (shape: [1, 3, 4, 6, 6], out: 5, padding: [(1, 1), (1, 1), (1, 1)], bias: true),
        (shape: [2, 7, 5, 9, 11], out: 13, padding: [(1, 1), (1, 1), (1, 1)], bias: false),
        (shape: [1, 16, 3, 7, 7], out: 24, padding: [(2, 0), (1, 1), (1, 1)], bias: true),
        (shape: [1, 5, 3, 3, 3], out: 4, padding: [(0, 0), (0, 0), (0, 0)], bias: true),
        (shape: [1, 9, 1, 2, 5], out: 3, padding: [(1, 1), (2, 1), (0, 2)], bias: false),
        (shape: [1, 33, 6, 14, 14], out: 40, padding: [(1, 1), (1, 1), (1, 1)], bias: true),
    ])
    func matchesDirectConvolution(shape: [Int], out: Int, padding: [(Int, Int)], bias hasBias: Bool) {
        var random = RandomGenerator(seed: UInt64(shape.reduce(0, +) * 31 + out))
        let x = random.normal(shape)
        let weight = random.normal([out, shape[1], 3, 3, 3], standardDeviation: 0.2)
        let bias = hasBias ? random.normal([out]) : nil
        let pads = padding.map { ConvolutionPadding(front: $0.0, back: $0.1) }
        let direct = x.conv3d(weight: weight, bias: bias, padding: pads)
        let winograd = x.conv3d(winogradFilter: weight.winogradFilter3d(), bias: bias, padding: pads)
        #expect(winograd.shape == direct.shape)
        let largest = direct.scalars.map(abs).max() ?? 0
        let error = zip(winograd.scalars, direct.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(error <= 2e-6 * largest, "max |Δ| \(error) against largest |y| \(largest)")
    }

    // In waves of tile rows along T (a padded-input budget of about one slab): the same values as in one piece.
    @Test func wavesAlongTimeMatchOnePiece() {
        var random = RandomGenerator(seed: 8)
        let x = random.normal([2, 5, 11, 6, 7]), weight = random.normal([6, 5, 3, 3, 3]), bias = random.normal([6])
        let filter = weight.winogradFilter3d(), pads = [ConvolutionPadding(front: 2, back: 0), .init(1), .init(1)]
        let whole = x.winogradConvolution(filter: filter, bias: bias, padding: pads, scratchFloats: 1 << 24)
        for budget in [1, 2400, 3600] {  // one slab is 5 · 8 · 10 floats: waves of 1, 2 and 3 of the 6 tile rows
            let waves = x.winogradConvolution(filter: filter, bias: bias, padding: pads, scratchFloats: budget)
            #expect(waves.shape == whole.shape && waves.scalars == whole.scalars, "budget \(budget)")
        }
    }

    // conv3d(weight:) picks Winograd for 16+ channels when nothing is differentiated, and the direct lowering when
    // asked, under autodiff, or for few channels.
    @Test func automaticAlgorithmChoice() {
        var random = RandomGenerator(seed: 9)
        let x = random.normal([1, 16, 4, 6, 6]), weight = random.normal([16, 16, 3, 3, 3], standardDeviation: 0.1)
        let same = [ConvolutionPadding](repeating: .init(1), count: 3)
        let winograd = x.conv3d(winogradFilter: weight.winogradFilter3d(), padding: same)
        let direct = x.conv3d(weight: weight, padding: same, algorithm: .direct)
        #expect(winograd.scalars != direct.scalars)  // regrouped sums: some outputs differ in the last bits
        if Tensor.winogradOverride.isEmpty {
            #expect(x.conv3d(weight: weight, padding: same).scalars == winograd.scalars)
            let narrow = x.sliced(axis: 1, end: 8).contiguous(), narrowWeight = weight.sliced(axis: 1, end: 8).contiguous()
            #expect(narrow.conv3d(weight: narrowWeight, padding: same).scalars
                    == narrow.conv3d(weight: narrowWeight, padding: same, algorithm: .direct).scalars)
        }
        let recorded = Autograd.valueAndGradient(at: ["w": weight]) { p in x.conv3d(weight: p["w"]!, padding: same).sum() }
        #expect(recorded.value.scalars == direct.sum().scalars)
    }

    // Against F.conv3d itself: Wan's causal 3×3×3 convolutions of the torch fixtures (4 and 16 channels), forward.
    @Test func matchesTorchCausalConvolutions() throws {
        for (file, prefix) in [("kernels_convolution", "causal3d"), ("kernels_convolution_shifted", "causal3d16")] {
            let f = try KernelFixture(file)
            let x = try f.leaf("\(prefix).input"), w = try f.leaf("\(prefix).weight"), b = try f.leaf("\(prefix).bias")
            let output = x.conv3d(winogradFilter: w.winogradFilter3d(), bias: b, padding: [.init(front: 2, back: 0), .init(1), .init(1)])
            #expect(try kernelRelativeError(output, f, "\(prefix).output") <= 1e-5, "\(prefix)")
        }
    }
}
