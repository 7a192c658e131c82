import Checkpoints
import Foundation
import Tensor
import Testing
@testable import NN

@Suite("Optimizers against torch.optim")
struct OptimizerTests {
    private let keys = ["matrix", "vector"]

    /// Runs `optimizer` over the fixture's five gradient steps and compares every step with torch (≤ 1e-6 relative).
    private func expectTrajectory(_ optimizer: Optimizer, prefix: String) throws {
        let file = try fixture("optimizers")
        var parameters: [String: Tensor] = [:]
        for key in keys { parameters[key] = try file.tensor("initial.\(key)") }
        for step in 0..<5 {
            var gradients: [String: Tensor] = [:]
            for key in keys { gradients[key] = try file.tensor("grad\(step).\(key)") }
            parameters = optimizer.step(parameters: parameters, gradients: gradients)
            for key in keys {
                let error = relativeError(parameters[key]!, try file.tensor("\(prefix).step\(step).\(key)"))
                #expect(error <= 1e-6, "\(prefix) step \(step) \(key): relative error \(error)")
            }
        }
    }

    // AdamW with decoupled weight decay follows torch.optim.AdamW step for step.
    @Test func adamWMatchesTorch() throws {
        try expectTrajectory(AdamW(learningRate: 1e-2, betas: (0.9, 0.999), epsilon: 1e-8, weightDecay: 0.1), prefix: "adamw")
        try expectTrajectory(AdamW(learningRate: 3e-3, betas: (0.8, 0.99), epsilon: 1e-6, weightDecay: 0), prefix: "adamw_nodecay")
    }

    // SGD with momentum, and plain SGD with L2 weight decay, follow torch.optim.SGD.
    @Test func sgdMatchesTorch() throws {
        try expectTrajectory(SGD(learningRate: 0.1, momentum: 0.9), prefix: "sgd_momentum")
        try expectTrajectory(SGD(learningRate: 0.05, weightDecay: 0.01), prefix: "sgd_plain")
    }

    // Clipping by global norm returns torch's total norm and scales (or leaves) gradients as clip_grad_norm_ does.
    @Test func clippingMatchesTorch() throws {
        let file = try fixture("optimizers")
        var gradients: [String: Tensor] = [:]
        for key in keys { gradients[key] = try file.tensor("grad0.\(key)") }
        for (maximum, tag) in [(Float(0.5), "0_5"), (100, "100_0")] {
            let (clipped, norm) = Gradients.clippedByGlobalNorm(gradients, maximumNorm: maximum)
            let expectedNorm = try file.floats("clip\(tag).total_norm").values[0]
            #expect(abs(norm - expectedNorm) <= 1e-6 * expectedNorm)
            for key in keys {
                let error = relativeError(clipped[key]!, try file.tensor("clip\(tag).\(key)"))
                #expect(error <= 1e-6, "clip \(tag) \(key): relative error \(error)")
            }
        }
    }

    // Updating a module touches only trainable parameters and rejects gradients for unknown keys.
    @Test func updateRespectsFreezing() throws {
        let model = TinyModel()
        try model.freeze(["embed_tokens"])
        let before = model.parameters()
        let gradients = model.trainableParameters().mapValues { Tensor.ones($0.shape) }
        try SGD(learningRate: 0.5).update(model, gradients: gradients)
        let after = model.parameters()
        #expect(after["embed_tokens.weight"]!.scalars == before["embed_tokens.weight"]!.scalars)
        #expect(after["norm.weight"]!.scalars == before["norm.weight"]!.scalars.map { $0 - 0.5 })
        #expect(throws: NNError.unusedKeys(["embed_tokens.weight"])) {
            try SGD(learningRate: 0.5).update(model, gradients: ["embed_tokens.weight": Tensor.ones([5, 4])])
        }
    }

    // A few AdamW steps on a quadratic through valueAndGradient lower the loss (the training loop works end to end).
    @Test func trainingLoopReducesLoss() throws {
        let model = TinyModel()
        let optimizer = AdamW(learningRate: 0.05, weightDecay: 0, schedule: .cosine(warmupSteps: 2, totalSteps: 20))
        let input = Tensor([0.5, -1, 2, 0.25, 1, 1, -0.5, 0.75], shape: [2, 4])
        var losses: [Float] = []
        for _ in 0..<20 {
            let (loss, gradients) = Gradients.valueAndGradient(of: model) { model.layers[0](input).square().mean() }
            losses.append(loss.item)
            try optimizer.update(model, gradients: gradients)
        }
        #expect(losses.last! < losses.first! * 0.5)
        #expect(optimizer.stepCount == 20)
    }
}
