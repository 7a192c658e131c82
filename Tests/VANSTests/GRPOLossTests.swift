import Checkpoints
import Foundation
import Tensor
import Testing
import Wan
@testable import VANS

@Suite("GRPO losses against TRL and flow_grpo")
struct GRPOLossTests {
    static let directory = Bundle.module.url(forResource: "Fixtures/grpo_losses", withExtension: nil)!

    static func cases(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
        return try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
    }

    static func maximumRelativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let a = actual.converted(to: .float32).scalars, e = expected.converted(to: .float32).scalars
        let scale = max(e.map(abs).max() ?? 0, 1e-6)
        return zip(a, e).map { abs($0 - $1) }.max()! / scale
    }

    // TRL's `_compute_loss` (trl 1.16) and ours agree on the loss, its gradient with respect to the logits, and the
    // logged KL and clip fractions, for every loss type, β, ε and temperature in the fixture.
    @Test func tokenLossMatchesTRL() throws {
        let file = try SafetensorsFile(url: Self.directory.appendingPathComponent("token.safetensors"))
        for item in try Self.cases("token") {
            let name = item["name"] as! String
            func tensor(_ key: String) throws -> Tensor { try file.tensor("\(name).\(key)") }
            let reduction = GRPOLossReduction(rawValue: item["loss_type"] as! String)!
            let loss = TokenGRPOLoss(epsilonLow: Float(item["eps_low"] as! Double), epsilonHigh: Float(item["eps_high"] as! Double),
                                     beta: Float(item["beta"] as! Double), reduction: reduction,
                                     temperature: Float(item["temperature"] as! Double),
                                     maximumCompletionLength: item["max_completion_length"] as! Int)
            let onPolicy = item["on_policy"] as! Bool
            let batch = TokenGRPOLoss.Batch(completions: try tensor("completions"), mask: try tensor("mask"),
                                            advantages: try tensor("advantages"),
                                            oldLogProbabilities: onPolicy ? nil : try tensor("old"),
                                            referenceLogProbabilities: try tensor("ref"))
            let logits = try tensor("logits").requiringGradient()
            let output = try loss(logits: logits, batch: batch)
            output.loss.backward()
            let expectedLoss = try tensor("loss").scalars[0]
            #expect(abs(output.loss.item - expectedLoss) <= 1e-5 * max(abs(expectedLoss), 1e-3), "\(name) loss")
            #expect(Self.maximumRelativeError(try #require(logits.gradient), try tensor("grad")) <= 1e-5, "\(name) gradient")
            #expect(abs(Double(output.meanKL) - (item["kl"] as! Double)) <= 1e-6, "\(name) kl")
            #expect(abs(Double(output.lowClipFraction) - (item["clip_low"] as! Double)) <= 1e-6, "\(name) low clip")
            #expect(abs(Double(output.highClipFraction) - (item["clip_high"] as! Double)) <= 1e-6, "\(name) high clip")
        }
    }

    // flow_grpo's Wan training step (ported in the fixture script) and ours agree on the loss and its gradient with
    // respect to the velocity, with and without KL and the σ_t/sqrt(−Δσ) scaling.
    @Test func flowLossMatchesFlowGRPO() throws {
        let file = try SafetensorsFile(url: Self.directory.appendingPathComponent("flow.safetensors"))
        for item in try Self.cases("flow") {
            let name = item["name"] as! String
            func tensor(_ key: String) throws -> Tensor { try file.tensor("\(name).\(key)") }
            let sigmas = try tensor("sigmas").scalars
            let schedule = FlowMatchSchedule(sigmas: sigmas, timesteps: sigmas.dropLast().map { $0 * 1000 })
            let loss = FlowGRPOLoss(clipRange: Float(item["clip"] as! Double), beta: Float(item["beta"] as! Double),
                                    scalePolicyByNoise: item["scale"] as! Bool)
            let velocity = try tensor("velocity").requiringGradient()
            let output = try loss(velocity: velocity, referenceVelocity: try tensor("reference_velocity"), sample: try tensor("sample"),
                                  next: try tensor("next"), schedule: schedule, index: item["index"] as! Int,
                                  oldLogProbabilities: try tensor("old"), advantages: try tensor("advantages"))
            output.loss.backward()
            let expectedLoss = try tensor("loss").scalars[0]
            #expect(abs(output.loss.item - expectedLoss) <= 1e-5 * max(abs(expectedLoss), 1e-3), "\(name) loss \(output.loss.item) vs \(expectedLoss)")
            #expect(Self.maximumRelativeError(try #require(velocity.gradient), try tensor("grad")) <= 1e-4, "\(name) gradient")
        }
    }

    // Eq. 1: population σ + ε; equal rewards give zero advantages and mark the group uninformative; clip bounds them.
    @Test func groupAdvantages() {
        let (advantages, informative) = GroupAdvantages()([1, 2, 3, 6])
        let mean = 3.0, sigma = (14.0 / 4).squareRoot() + 1e-4
        #expect(informative)
        #expect(zip(advantages, [1.0, 2, 3, 6]).allSatisfy { abs($0 - ($1 - mean) / sigma) < 1e-12 })
        #expect(GroupAdvantages()([0.5, 0.5, 0.5]) == ([0, 0, 0], false))
        let bessel = GroupAdvantages(deviation: .bessel, epsilon: 0)([0, 2]).advantages
        #expect(abs(bessel[1] - 1 / 2.0.squareRoot()) < 1e-12)
        #expect(GroupAdvantages(deviation: .none, clip: 1)([0, 10]).advantages == [-1, 1])
    }
}
