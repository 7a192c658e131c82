// How VANS conditions the DiT on reference frames (paper §4, App. C.1; ../shared/reference/wan21.md,
// "VANS conditioning"): sequence concatenation by default, the I2V channel layout (diffusers
// `WanImageToVideoPipeline.prepare_latents`) as the alternative, and nothing (plain T2V).
import Tensor

/// Which input frames become reference frames.
public enum WanReferenceSelection: String, Codable, Sendable, Equatable {
    /// n frames evenly spaced over the input, first and last included (the default; numpy's round(linspace)).
    case evenlySpaced = "evenly_spaced"
    /// The last n frames of the input.
    case last
}

/// The timestep the clean reference tokens are modulated with.
public enum WanReferenceTimestep: String, Codable, Sendable, Equatable {
    /// The sample's timestep, as Wan2.1 has one timestep per sample (the default, per the reference note).
    case sample
    /// t = 0 for reference tokens, as Wan2.2 TI2V's expanded timesteps do (a flag, off by default).
    case zero
}

/// How reference frames reach the DiT, recorded in the model's configuration (`vans_conditioning`).
public struct WanConditioningConfiguration: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, Equatable {
        /// Clean reference latents (each frame a one-frame clip) prepended along time before the noisy latents;
        /// RoPE frame positions continue over the concatenation; their outputs are dropped and get no loss.
        case sequence
        /// I2V layout: [noisy | 4 mask channels | condition latents] along channels (in_channels 36).
        case channel
        /// Plain text-to-video.
        case none
    }

    public var mode: Mode = .sequence
    /// n reference frames (VANS: 6).
    public var referenceFrames = 6
    public var selection: WanReferenceSelection = .evenlySpaced
    public var referenceTimestep: WanReferenceTimestep = .sample

    public init(mode: Mode = .sequence, referenceFrames: Int = 6, selection: WanReferenceSelection = .evenlySpaced,
                referenceTimestep: WanReferenceTimestep = .sample) {
        self.mode = mode
        self.referenceFrames = referenceFrames
        self.selection = selection
        self.referenceTimestep = referenceTimestep
    }

    enum CodingKeys: String, CodingKey {
        case mode, referenceFrames = "reference_frames", selection, referenceTimestep = "reference_timestep"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .sequence
        referenceFrames = try container.decodeIfPresent(Int.self, forKey: .referenceFrames) ?? 6
        selection = try container.decodeIfPresent(WanReferenceSelection.self, forKey: .selection) ?? .evenlySpaced
        referenceTimestep = try container.decodeIfPresent(WanReferenceTimestep.self, forKey: .referenceTimestep) ?? .sample
    }

    /// The input frame indices used as references for a video of `frameCount` frames (fewer when the video is shorter).
    public func referenceIndices(frameCount: Int) -> [Int] {
        let count = min(referenceFrames, frameCount)
        guard count > 0 else { return [] }
        switch selection {
        case .last:
            return Array((frameCount - count)..<frameCount)
        case .evenlySpaced:
            // round(linspace(0, F−1, n)) as numpy gives (the video processor's rule; n = 1 picks frame 0).
            return (try? WanVideoProcessor.referenceIndices(totalFrames: frameCount, count: count)) ?? []
        }
    }
}

public enum WanConditioning {
    /// The I2V mask [B, 4, T′, h, w] for `pixelFrames` = 4(T′−1)+1 frames of which `givenFrames` are known:
    /// frame 0's entry is repeated four times, then every 4 entries form one latent frame's channels.
    public static func imageToVideoMask(batch: Int, pixelFrames: Int, givenFrames: Set<Int>, height: Int, width: Int) throws(WanError) -> Tensor {
        guard pixelFrames >= 1, (pixelFrames - 1) % 4 == 0 else {
            throw .invalidInput(name: "pixelFrames", reason: "\(pixelFrames) is not 4k+1")
        }
        let first: Float = givenFrames.contains(0) ? 1 : 0
        let entries = Array(repeating: first, count: 3) + (0..<pixelFrames).map { givenFrames.contains($0) ? Float(1) : 0 }  // F + 3
        let latentFrames = entries.count / 4
        var values = [Float]()
        values.reserveCapacity(batch * 4 * latentFrames * height * width)
        for _ in 0..<batch {
            for channel in 0..<4 {
                for frame in 0..<latentFrames {
                    values += Array(repeating: entries[frame * 4 + channel], count: height * width)
                }
            }
        }
        return Tensor(values, shape: [batch, 4, latentFrames, height, width])
    }

    /// The 36-channel I2V input [noisy 16 | mask 4 | condition 16] along channels.
    public static func channelConcatenation(noisy: Tensor, mask: Tensor, condition: Tensor) throws(WanError) -> Tensor {
        guard noisy.rank == 5, mask.rank == 5, condition.rank == 5,
              Array(noisy.shape[2...]) == Array(mask.shape[2...]), Array(noisy.shape[2...]) == Array(condition.shape[2...]),
              noisy.shape[0] == mask.shape[0], noisy.shape[0] == condition.shape[0] else {
            throw .invalidInput(name: "condition", reason: "noisy \(noisy.shape), mask \(mask.shape) and condition \(condition.shape) do not line up")
        }
        return Tensor.concatenate([noisy.converted(to: .float32), mask.converted(to: .float32), condition.converted(to: .float32)], axis: 1)
    }
}
