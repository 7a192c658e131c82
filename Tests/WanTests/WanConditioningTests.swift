// Reference-frame conditioning: the I2V mask as diffusers builds it (scripts/fixtures/wan_sampling.py,
// i2v_masks.json), the 36-channel layout, reference frame selection and the recorded configuration.
import Checkpoints
import Foundation
import Tensor
import Testing
@testable import Wan

@Suite("Wan conditioning")
struct WanConditioningTests {
    struct Mask: Decodable {
        var frames: Int
        var given: [Int]
        var shape: [Int]
        var values: [Float]
    }

    // The mask equals WanImageToVideoPipeline's for first-frame and first+last-frame conditioning.
    @Test func imageToVideoMaskMatchesDiffusers() throws {
        let masks = try JSONDecoder().decode([Mask].self, from: Data(contentsOf: WanFixtures.url("wan_sampling/i2v_masks.json")))
        for expected in masks {
            let mask = try WanConditioning.imageToVideoMask(batch: expected.shape[0], pixelFrames: expected.frames,
                                                            givenFrames: Set(expected.given), height: expected.shape[3], width: expected.shape[4])
            #expect(mask.shape == expected.shape)
            #expect(mask.scalars == expected.values, "frames \(expected.frames)")
        }
        #expect(throws: WanError.self) { try WanConditioning.imageToVideoMask(batch: 1, pixelFrames: 6, givenFrames: [0], height: 1, width: 1) }
    }

    // The 36-channel input is [noisy | mask | condition] along channels; mismatched shapes are errors.
    @Test func channelLayout() throws {
        var generator = RandomGenerator(seed: 4)
        let noisy = generator.normal([1, 16, 2, 2, 2]), condition = generator.normal([1, 16, 2, 2, 2])
        let mask = try WanConditioning.imageToVideoMask(batch: 1, pixelFrames: 5, givenFrames: [0], height: 2, width: 2)
        let input = try WanConditioning.channelConcatenation(noisy: noisy, mask: mask, condition: condition)
        #expect(input.shape == [1, 36, 2, 2, 2])
        #expect(input.narrowed(axis: 1, start: 0, length: 16).scalars == noisy.scalars)
        #expect(input.narrowed(axis: 1, start: 16, length: 4).scalars == mask.scalars)
        #expect(input.narrowed(axis: 1, start: 20, length: 16).scalars == condition.scalars)
        #expect(throws: WanError.self) { try WanConditioning.channelConcatenation(noisy: noisy, mask: mask, condition: generator.normal([1, 16, 1, 2, 2])) }
    }

    // Evenly spaced selection is numpy's round(linspace(0, F−1, n)); `last` takes the final n; short videos give fewer.
    @Test func referenceSelection() {
        let even = WanConditioningConfiguration()
        #expect(even.referenceIndices(frameCount: 33) == [0, 6, 13, 19, 26, 32])
        #expect(even.referenceIndices(frameCount: 4) == [0, 1, 2, 3])
        let last = WanConditioningConfiguration(mode: .sequence, referenceFrames: 3, selection: .last)
        #expect(last.referenceIndices(frameCount: 10) == [7, 8, 9])
    }

    // The choice is recorded in config.json under vans_conditioning; without it a 36-channel model means channel mode.
    @Test func configurationRecordsTheChoice() throws {
        let recorded = try WanTransformerConfiguration.decode(from: Data(#"{"vans_conditioning": {"mode": "none", "reference_frames": 2, "selection": "last", "reference_timestep": "zero"}}"#.utf8), file: "c")
        #expect(recorded.conditioning == WanConditioningConfiguration(mode: .none, referenceFrames: 2, selection: .last, referenceTimestep: .zero))
        #expect(try WanTransformerConfiguration.decode(from: Data("{}".utf8), file: "c").conditioning == WanConditioningConfiguration())
        let imageToVideo = try WanTransformerConfiguration.decode(from: Data(#"{"in_channels": 36, "out_channels": 16}"#.utf8), file: "c")
        #expect(imageToVideo.conditioning.mode == .channel)
        #expect(throws: CheckpointError.self) {
            try WanTransformerConfiguration.decode(from: Data(#"{"vans_conditioning": {"mode": "channel"}}"#.utf8), file: "c")
        }
    }
}
