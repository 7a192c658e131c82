// How a VDM directory renders: its `vans_profile.json` (frames, size, fps, n reference frames, steps, guidance,
// sampler). Written by pretraining, read by `vans render`, the VANS renderer and the Flow-GRPO policy: one type, so
// the defaults and the validation cannot drift apart between them.
import Checkpoints
import Foundation
import Support

extension WanSamplerKind: Codable {}

/// The render profile of a VDM directory (`vans_profile.json`); the paper's profile when the file is absent.
public struct WanRenderProfile: Codable, Sendable, Equatable {
    public var profile: String
    /// Frames of the answer video (4k + 1).
    public var frames: Int
    public var height: Int
    public var width: Int
    /// Frame rate of the written answer.
    public var fps: Double
    /// n reference frames taken from the input.
    public var referenceFrames: Int
    /// Denoising steps.
    public var steps: Int
    /// Classifier-free guidance scale.
    public var guidance: Float
    public var sampler: WanSamplerKind

    public init(profile: String, frames: Int, height: Int, width: Int, fps: Double, referenceFrames: Int, steps: Int,
                guidance: Float, sampler: WanSamplerKind) {
        self.profile = profile
        self.frames = frames
        self.height = height
        self.width = width
        self.fps = fps
        self.referenceFrames = referenceFrames
        self.steps = steps
        self.guidance = guidance
        self.sampler = sampler
    }

    /// 64×64 × 17 frames at 8 fps (a VANS-Synth answer clip), n = 6, 20 UniPC steps, guidance 5.
    public static let vansSynth = WanRenderProfile(profile: "vans-synth", frames: 17, height: 64, width: 64, fps: 8,
                                                   referenceFrames: 6, steps: 20, guidance: 5, sampler: .uniPC)

    /// The paper's answers (App. C.2): 33 frames at 352×640, 16 fps, n = 6, 50 steps, guidance 5, UniPC.
    public static let paper = WanRenderProfile(profile: "paper", frames: 33, height: 352, width: 640, fps: 16,
                                               referenceFrames: 6, steps: 50, guidance: 5, sampler: .uniPC)

    public static let fileName = "vans_profile.json"

    enum CodingKeys: String, CodingKey {
        case profile, frames, height, width, fps, referenceFrames = "reference_frames", steps, guidance, sampler
    }

    /// A key the file leaves out takes the paper's value; an unknown sampler is an error naming it.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let paper = Self.paper
        profile = try container.decodeIfPresent(String.self, forKey: .profile) ?? "custom"
        frames = try container.decodeIfPresent(Int.self, forKey: .frames) ?? paper.frames
        height = try container.decodeIfPresent(Int.self, forKey: .height) ?? paper.height
        width = try container.decodeIfPresent(Int.self, forKey: .width) ?? paper.width
        fps = try container.decodeIfPresent(Double.self, forKey: .fps) ?? paper.fps
        referenceFrames = try container.decodeIfPresent(Int.self, forKey: .referenceFrames) ?? paper.referenceFrames
        steps = try container.decodeIfPresent(Int.self, forKey: .steps) ?? paper.steps
        guidance = try container.decodeIfPresent(Float.self, forKey: .guidance) ?? paper.guidance
        if let name = try container.decodeIfPresent(String.self, forKey: .sampler) {
            guard let kind = WanSamplerKind(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .sampler, in: container, debugDescription:
                    "unknown sampler \"\(name)\" (\(WanSamplerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            sampler = kind
        } else {
            sampler = paper.sampler
        }
    }

    /// Reads `directory/vans_profile.json`, or returns ``paper`` when absent; a malformed or impossible profile is an
    /// error naming the file and the key.
    public static func load(directory: URL) throws(WanError) -> WanRenderProfile {
        let file = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return .paper }
        func bad(_ key: String, _ reason: String) -> WanError { .invalidPipeline(directory: file.path, reason: "\(key): \(reason)") }
        // A file that exists but cannot be read is an error, never a silent fall-back to the paper's profile.
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw .invalidPipeline(directory: file.path, reason: "unreadable profile: \(error.localizedDescription)") }
        let profile: WanRenderProfile
        do { profile = try JSONDecoder().decode(WanRenderProfile.self, from: data) } catch let error as DecodingError {
            let (key, reason) = error.keyPathAndReason
            throw bad(key, reason)
        } catch {
            throw .invalidPipeline(directory: file.path, reason: "unreadable profile: \(error)")
        }
        guard WanVideoProcessor.isValidFrameCount(profile.frames) else { throw bad("frames", "\(profile.frames) is not 4k + 1") }
        guard profile.height > 0, profile.width > 0, profile.height % 16 == 0, profile.width % 16 == 0 else {
            throw bad("height/width", "\(profile.height)×\(profile.width) must be positive multiples of 16")
        }
        guard profile.fps > 0, profile.fps.isFinite else { throw bad("fps", "must be positive, got \(profile.fps)") }
        guard profile.referenceFrames > 0 else { throw bad("reference_frames", "must be positive, got \(profile.referenceFrames)") }
        guard profile.steps > 0 else { throw bad("steps", "must be positive, got \(profile.steps)") }
        guard profile.guidance.isFinite else { throw bad("guidance", "must be finite") }
        return profile
    }

    /// The render settings this profile gives.
    public var settings: WanRenderSettings {
        var settings = WanRenderSettings()
        settings.frames = frames
        settings.height = height
        settings.width = width
        settings.fps = fps
        settings.steps = steps
        settings.guidance = guidance
        settings.sampler = sampler
        return settings
    }
}
