import Checkpoints
import Foundation
import Tensor
import Testing
@testable import NN

@Suite("Conv3d layer")
struct ConvolutionTests {
    // A strided, padded, grouped Conv3d matches torch.nn.Conv3d: forward ≤ 1e-5, input/weight/bias gradients ≤ 1e-4.
    @Test func matchesTorch() throws {
        let file = try fixture("conv3d")
        var generator = RandomGenerator(seed: 0)
        let layer = Conv3d(inputChannels: 4, outputChannels: 6, kernelSize: [2, 3, 3], stride: [1, 2, 2],
                           padding: [1, 1, 0], groups: 2, initializer: &generator)
        try layer.load(weights: ["weight": file.tensor("param.weight"), "bias": file.tensor("param.bias")])
        let input = try file.tensor("input").requiringGradient()
        let weights = try file.tensor("output_weights")
        var forwardError: Float = 0
        let (_, gradients) = try Gradients.valueAndGradient(of: layer) {
            let output = layer(input)
            forwardError = relativeError(output, try file.tensor("output"))
            return (output * weights).sum()
        }
        #expect(forwardError <= 1e-5, "forward relative error \(forwardError)")
        #expect(relativeError(try #require(input.gradient), try file.tensor("input.grad")) <= 1e-4)
        #expect(relativeError(gradients["weight"]!, try file.tensor("grad.weight")) <= 1e-4)
        #expect(relativeError(gradients["bias"]!, try file.tensor("grad.bias")) <= 1e-4)
    }

    // Causal time padding puts 2·p zero frames before the clip and none after, so frame t sees only frames ≤ t.
    @Test func causalTimePaddingSeesOnlyThePast() {
        let layer = Conv3d(weight: Tensor.ones([1, 1, 3, 1, 1]), bias: nil, padding: [1, 0, 0], causalTime: true)
        let input = Tensor([1, 2, 3, 4], shape: [1, 1, 4, 1, 1])
        #expect(layer(input).scalars == [1, 3, 6, 9])
    }
}
