// The VLM stage of VANS (paper §4, Figure 4) over `QwenVLCaptioner`: a Qwen2.5-VL model directory (plus its
// PEFT adapter in `adapter/` and its `vans_profile.json`) answering a question about a video with reasoning and a
// caption. Weights load on first use and can be released, so a pipeline holds one model at a time.
import Foundation
import QwenVL

/// How a VLM directory is run (its `vans_profile.json`; the paper's real-model profile when absent).
public struct ReasonerProfile: Codable, Sendable, Equatable {
    /// A name for the profile ("vans-synth", "paper").
    public var profile: String
    /// Video frames sampled per second.
    public var fps: Double
    /// Per-frame pixel floor for video frames (nil: the processor's default).
    public var minimumPixels: Double?
    /// Per-frame pixel cap for video frames (nil: qwen-vl-utils' budget only).
    public var maximumPixels: Double?
    /// New tokens per answer at most.
    public var maximumNewTokens: Int
    /// The output tag style ("brackets" or "angle").
    public var answerFormat: AnswerFormat.Style

    /// The paper's evaluation protocol for the released checkpoints: 1 fps, qwen-vl-utils' pixel budgets, 512 tokens.
    public static let paper = ReasonerProfile(profile: "paper", fps: 1, minimumPixels: nil, maximumPixels: nil,
                                              maximumNewTokens: 512, answerFormat: .bracketTags)

    public init(profile: String, fps: Double, minimumPixels: Double?, maximumPixels: Double?, maximumNewTokens: Int,
                answerFormat: AnswerFormat.Style) {
        self.profile = profile
        self.fps = fps
        self.minimumPixels = minimumPixels
        self.maximumPixels = maximumPixels
        self.maximumNewTokens = maximumNewTokens
        self.answerFormat = answerFormat
    }

    enum CodingKeys: String, CodingKey {
        case profile, fps, minimumPixels = "min_pixels", maximumPixels = "max_pixels"
        case maximumNewTokens = "max_new_tokens", answerFormat = "answer_format"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let paper = Self.paper
        profile = try container.decodeIfPresent(String.self, forKey: .profile) ?? "custom"
        fps = try container.decodeIfPresent(Double.self, forKey: .fps) ?? paper.fps
        minimumPixels = try container.decodeIfPresent(Double.self, forKey: .minimumPixels)
        maximumPixels = try container.decodeIfPresent(Double.self, forKey: .maximumPixels)
        maximumNewTokens = try container.decodeIfPresent(Int.self, forKey: .maximumNewTokens) ?? paper.maximumNewTokens
        answerFormat = try container.decodeIfPresent(AnswerFormat.Style.self, forKey: .answerFormat) ?? paper.answerFormat
    }

    /// Reads `directory/vans_profile.json`, or returns ``paper`` when the file is absent; a malformed file is an
    /// error naming it.
    public static func load(directory: URL) throws -> ReasonerProfile {
        let file = directory.appendingPathComponent("vans_profile.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return .paper }
        let profile: ReasonerProfile
        do {
            profile = try JSONDecoder().decode(ReasonerProfile.self, from: Data(contentsOf: file))
        } catch {
            throw PipelineError.modelDirectory(path: file.path, reason: "unreadable profile: \(error)")
        }
        guard profile.fps > 0, profile.fps.isFinite else {
            throw PipelineError.modelDirectory(path: file.path, reason: "fps must be positive, got \(profile.fps)")
        }
        guard profile.maximumNewTokens > 0 else {
            throw PipelineError.modelDirectory(path: file.path, reason: "max_new_tokens must be positive, got \(profile.maximumNewTokens)")
        }
        if let low = profile.minimumPixels, let high = profile.maximumPixels, !(low > 0 && low <= high) {
            throw PipelineError.modelDirectory(path: file.path, reason: "min_pixels \(low) must be positive and at most max_pixels \(high)")
        }
        return profile
    }

    /// The processor options this profile gives (the paper's evaluation options with this profile's rate and sizes).
    public var processorOptions: QwenVLProcessor.Options {
        var options = QwenVLProcessor.Options.paperEvaluation
        options.fps = fps
        if let minimumPixels { options.videoMinPixels = minimumPixels }
        options.videoMaxPixels = maximumPixels
        return options
    }
}

/// A ``NextEventReasoner`` backed by a Qwen2.5-VL model directory.
public final class QwenVLReasoner: NextEventReasoner, @unchecked Sendable {
    /// The model directory.
    public let directory: URL
    /// How inputs are sampled and outputs parsed.
    public let profile: ReasonerProfile
    /// The output format (system prompt and parsing).
    public let format: AnswerFormat
    /// The PEFT adapter directory merged at load (`directory/adapter` when it exists).
    public let adapter: URL?
    private var loaded: QwenVLCaptioner?

    /// Checks `directory` (config.json present) and reads its profile; weights load on the first ``reason`` call
    /// (or ``load()``).
    public init(directory: URL, profile: ReasonerProfile? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PipelineError.modelDirectory(path: directory.path, reason: "no such model directory")
        }
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
            throw PipelineError.modelDirectory(path: directory.path, reason: "no config.json (not a Qwen2.5-VL model directory)")
        }
        self.directory = directory
        self.profile = try profile ?? ReasonerProfile.load(directory: directory)
        format = AnswerFormat(style: self.profile.answerFormat)
        let adapterDirectory = directory.appendingPathComponent("adapter")
        adapter = FileManager.default.fileExists(atPath: adapterDirectory.appendingPathComponent("adapter_config.json").path)
            ? adapterDirectory : nil
    }

    /// Whether the weights are resident.
    public var isLoaded: Bool { loaded != nil }

    /// Loads the weights (memory-mapped) and merges the adapter, once.
    @discardableResult
    public func load() throws -> QwenVLCaptioner {
        if let loaded { return loaded }
        let captioner: QwenVLCaptioner
        do {
            captioner = try QwenVLCaptioner(directory: directory, adapter: adapter, options: profile.processorOptions,
                                            systemPrompt: format.systemPrompt)
        } catch {
            throw PipelineError.modelDirectory(path: directory.path, reason: "\(error)")
        }
        loaded = captioner
        return captioner
    }

    /// Drops the weights (they load again on the next call).
    public func release() { loaded = nil }

    /// The captioner sampling options `options` map to (the profile's token budget when `options` keeps the default).
    public func samplingOptions(_ options: ReasoningOptions) -> QwenVLSamplingOptions {
        var sampling = QwenVLSamplingOptions()
        sampling.samples = options.samples
        sampling.temperature = options.temperature
        sampling.topP = options.topP
        sampling.seed = options.seed
        sampling.maximumTokens = options.maximumTokens
        return sampling
    }

    /// `options.samples` answers from one prefill. Progress: stage "reasoning", one unit per generated token of the
    /// longest rollout (`options.maximumTokens` in all; the bar completes early when every rollout stops).
    public func reason(about input: AnswerInput, options: ReasoningOptions, progress: StageProgressHandler?) throws -> [ReasonedAnswer] {
        try Self.validate(input, options: options)
        let captioner = try load()
        let total = options.maximumTokens
        progress?(StageProgress(stage: "reasoning", done: 0, total: total))
        let caption: QwenVLCaptioner.Caption
        do {
            caption = try captioner.caption(question: input.question, videoPath: input.video?.path, imagePath: input.image?.path,
                                            options: samplingOptions(options)) { phase in
                if case .decode(let generated, _) = phase {
                    progress?(StageProgress(stage: "reasoning", done: min(generated, total), total: total))
                }
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.invalidInput("\(input.video?.path ?? input.image?.path ?? "input"): \(error)")
        }
        progress?(StageProgress(stage: "reasoning", done: total, total: total))
        return caption.texts.map { ReasonedAnswer(text: $0, format: format) }
    }

    /// Rejects what no model can answer, naming the problem: an empty question, no video or image, a missing or
    /// unreadable file, impossible sampling settings.
    static func validate(_ input: AnswerInput, options: ReasoningOptions) throws {
        guard !input.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PipelineError.invalidInput("the question is empty")
        }
        guard input.video != nil || input.image != nil else { throw PipelineError.invalidInput("give a video and/or an image") }
        for file in [input.video, input.image].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file.path) {
            throw PipelineError.invalidInput("\(file.path): no such readable file")
        }
        guard options.samples >= 1 else { throw PipelineError.invalidInput("samples must be at least 1, got \(options.samples)") }
        guard options.samples == 1 || options.temperature > 0 else {
            throw PipelineError.invalidInput("\(options.samples) samples need a positive temperature (greedy answers are identical)")
        }
        guard options.temperature >= 0, options.temperature.isFinite else {
            throw PipelineError.invalidInput("temperature must be ≥ 0, got \(options.temperature)")
        }
        guard options.topP > 0, options.topP <= 1 else { throw PipelineError.invalidInput("top-p must be in (0, 1], got \(options.topP)") }
        guard options.maximumTokens >= 1 else {
            throw PipelineError.invalidInput("maximum tokens must be at least 1, got \(options.maximumTokens)")
        }
    }
}
