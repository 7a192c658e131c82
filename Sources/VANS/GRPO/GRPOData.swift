// What Joint-GRPO reads from disk: the model directories' `vans_profile.json` (ISSUE13.md's contract; absent means
// the paper's real-model profile) and the training samples of a VANS manifest (input video, question, ground-truth
// caption and video; paper App. C.1 uses 1K samples for RL).
import Data
import Foundation
import QwenVL
import VideoIO

/// The VLM directory's profile: how inputs are prepared and how long answers may be.
public struct VLMProfile: Sendable, Codable, Equatable {
    public var profile = "paper"
    public var fps = 1.0
    public var minPixels: Double?
    public var maxPixels: Double?
    public var maxNewTokens = 512
    public var answerFormat = AnswerFormat.Style.bracketTags

    enum CodingKeys: String, CodingKey {
        case profile, fps, minPixels = "min_pixels", maxPixels = "max_pixels", maxNewTokens = "max_new_tokens", answerFormat = "answer_format"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        profile = try container.decodeIfPresent(String.self, forKey: .profile) ?? "paper"
        fps = try container.decodeIfPresent(Double.self, forKey: .fps) ?? 1
        minPixels = try container.decodeIfPresent(Double.self, forKey: .minPixels)
        maxPixels = try container.decodeIfPresent(Double.self, forKey: .maxPixels)
        maxNewTokens = try container.decodeIfPresent(Int.self, forKey: .maxNewTokens) ?? 512
        answerFormat = try container.decodeIfPresent(AnswerFormat.Style.self, forKey: .answerFormat) ?? .bracketTags
    }

    /// The processor options this profile gives (the paper's evaluation options when fields are absent).
    public var processorOptions: QwenVLProcessor.Options {
        var options = QwenVLProcessor.Options.paperEvaluation
        options.fps = fps
        if let minPixels { options.videoMinPixels = minPixels; options.imageMinPixels = minPixels }
        if let maxPixels { options.videoMaxPixels = maxPixels; options.imageMaxPixels = maxPixels }
        return options
    }

    /// `directory/vans_profile.json`, or the paper's profile when there is none.
    public static func load(directory: URL) throws -> VLMProfile {
        try loadProfile(directory: directory, default: VLMProfile())
    }
}

/// The VDM directory's profile: the answer videos' size and how they are sampled.
public struct VDMProfile: Sendable, Codable, Equatable {
    public var profile = "paper"
    public var frames = 33
    public var height = 352
    public var width = 640
    public var fps = 16.0
    public var referenceFrames = 6
    public var steps = 50
    public var guidance: Float = 5
    public var sampler = "unipc"

    enum CodingKeys: String, CodingKey {
        case profile, frames, height, width, fps, referenceFrames = "reference_frames", steps, guidance, sampler
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let paper = VDMProfile()
        profile = try container.decodeIfPresent(String.self, forKey: .profile) ?? paper.profile
        frames = try container.decodeIfPresent(Int.self, forKey: .frames) ?? paper.frames
        height = try container.decodeIfPresent(Int.self, forKey: .height) ?? paper.height
        width = try container.decodeIfPresent(Int.self, forKey: .width) ?? paper.width
        fps = try container.decodeIfPresent(Double.self, forKey: .fps) ?? paper.fps
        referenceFrames = try container.decodeIfPresent(Int.self, forKey: .referenceFrames) ?? paper.referenceFrames
        steps = try container.decodeIfPresent(Int.self, forKey: .steps) ?? paper.steps
        guidance = try container.decodeIfPresent(Float.self, forKey: .guidance) ?? paper.guidance
        sampler = try container.decodeIfPresent(String.self, forKey: .sampler) ?? paper.sampler
    }

    public static func load(directory: URL) throws -> VDMProfile {
        try loadProfile(directory: directory, default: VDMProfile())
    }
}

func loadProfile<Profile: Decodable>(directory: URL, default value: Profile) throws -> Profile {
    let url = directory.appendingPathComponent("vans_profile.json")
    guard let data = FileManager.default.contents(atPath: url.path) else { return value }
    do { return try JSONDecoder().decode(Profile.self, from: data) } catch {
        throw TrainingError.data("\(url.path): not a valid profile (\(error))")
    }
}

/// Training samples from a manifest.
public enum GRPOData {
    /// Reads `directory/manifest.jsonl` (or a manifest file) and decodes every sample's input and answer videos
    /// (at most `limit` samples, in manifest order).
    public static func load(_ path: URL, limit: Int? = nil) throws -> [GRPOSample] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw TrainingError.data("\(path.path) does not exist")
        }
        let manifest = isDirectory.boolValue ? path.appendingPathComponent(Manifest.fileName) : path
        let directory = manifest.deletingLastPathComponent()
        var samples = try Manifest.read(from: manifest)
        if let limit { samples = Array(samples.prefix(max(0, limit))) }
        guard !samples.isEmpty else { throw TrainingError.data("\(manifest.path) holds no samples") }
        return try samples.map { sample in
            let input = sample.inputURL(in: directory), answer = sample.answerURL(in: directory)
            let inputFrames: [VideoFrame], answerFrames: [VideoFrame]
            do {
                inputFrames = try VideoDecoder(path: input.path).decodeAll()
                answerFrames = try VideoDecoder(path: answer.path).decodeAll()
            } catch {
                throw TrainingError.data("sample \(sample.id): \(error)")
            }
            guard !inputFrames.isEmpty, !answerFrames.isEmpty else {
                throw TrainingError.data("sample \(sample.id): \(inputFrames.isEmpty ? input.path : answer.path) has no frames")
            }
            return GRPOSample(id: sample.id, question: sample.question, inputVideo: input, inputFrames: inputFrames,
                              groundTruthCaption: sample.answerCaption, groundTruthVideo: answerFrames)
        }
    }
}
