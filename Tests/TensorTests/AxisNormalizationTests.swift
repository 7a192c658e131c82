import Foundation
import Testing
@testable import Tensor

@Suite("RMSNorm and LayerNorm over a middle axis")
struct AxisNormalizationTests {
    // Norms over a middle axis read strided (permuted) inputs and empty outer axes, and agree with the
    // last-axis path on the permuted tensor.
    @Test func axisNormsMatchLastAxisNorms() {
        var generator = RandomGenerator(seed: 8)
        let x = generator.normal([2, 5, 3, 67]), w = generator.normal([5]), b = generator.normal([5])
        let moved = x.permuted([0, 2, 3, 1])
        let viaLast = moved.layerNorm(weight: w, bias: b, epsilon: 1e-5).permuted([0, 3, 1, 2]).contiguous()
        let viaAxis = x.layerNorm(weight: w, bias: b, epsilon: 1e-5, axis: 1)
        #expect(relativeError(viaAxis.scalars, viaLast.scalars) <= 1e-6)
        let rmsLast = moved.rmsNorm(weight: w, epsilon: 1e-6).permuted([0, 3, 1, 2]).contiguous()
        #expect(relativeError(x.rmsNorm(weight: w, epsilon: 1e-6, axis: -3).scalars, rmsLast.scalars) <= 1e-6)
        #expect(Tensor.zeros([0, 4, 3]).rmsNorm(weight: nil, epsilon: 1e-6, axis: 1).shape == [0, 4, 3])
    }

    // Wan's VAE shape class ([1, 96, 4, 64, 64], channel RMSNorm): the strided kernel against moving the
    // channels last, normalising, and moving them back (two copies); prints both timings.
    @Test func channelNormTiming() throws {
        var generator = RandomGenerator(seed: 12)
        let x = generator.normal([1, 96, 4, 64, 64]).requiringGradient(), w = generator.normal([96])
        let upstream = generator.normal([1, 96, 4, 64, 64])
        let start = Date()
        x.rmsNorm(weight: w, epsilon: 1e-6, axis: 1).backward(seed: upstream)
        let strided = Date().timeIntervalSince(start)
        let gradient = try #require(x.gradient).scalars
        x.zeroGradient()
        let middle = Date()
        x.permuted([0, 2, 3, 4, 1]).contiguous().rmsNorm(weight: w, epsilon: 1e-6).permuted([0, 4, 1, 2, 3]).contiguous()
            .backward(seed: upstream)
        let copied = Date().timeIntervalSince(middle)
        #expect(relativeError(gradient, try #require(x.gradient).scalars) <= 1e-5)
        print(String(format: "channel RMSNorm [1, 96, 4, 64, 64] forward+backward: strided %.1f ms, permute+copy %.1f ms",
                     strided * 1000, copied * 1000))
    }
}
