import Foundation
import Testing
import Checkpoints
@testable import NN

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    // Each schedule reproduces transformers' LambdaLR rates for 25 steps (float64 fixtures, ≤ 1e-12 relative).
    @Test func matchesTransformers() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/schedules", withExtension: "safetensors"))
        let file = try SafetensorsFile(url: url)
        let schedules: [String: LearningRateSchedule] = [
            "constant_warmup": .constantWithWarmup(warmupSteps: 4),
            "linear_warmup": .linear(warmupSteps: 4, totalSteps: 20),
            "cosine_warmup": .cosine(warmupSteps: 4, totalSteps: 20),
            "cosine_half_cycles": .cosine(warmupSteps: 0, totalSteps: 10, cycles: 1.5),
        ]
        for (name, schedule) in schedules {
            let expected = try file.rawBytes(of: name).withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            #expect(expected.count == 25)
            for (step, rate) in expected.enumerated() {
                let value = schedule.rate(atStep: step, baseRate: 1)
                #expect(abs(value - rate) <= 1e-12 * max(1, abs(rate)), "\(name) step \(step): \(value) vs \(rate)")
            }
        }
    }

    // The constant schedule never changes the base rate.
    @Test func constantIsBaseRate() {
        #expect((0..<10).allSatisfy { LearningRateSchedule.constant.rate(atStep: $0, baseRate: 3e-4) == 3e-4 })
    }
}
