// Mirrors transformers' GenerationConfig fields generation needs (generation_config.json: eos_token_id as an
// int or a list) and the sampling knobs of `generate` (do_sample, temperature, top_k, top_p) plus a seed.
import Foundation
import Generation
import Tensor

/// How one request samples: greedy (temperature 0) or tempered with top-k/top-p, G rollouts per prompt.
public struct QwenVLSamplingOptions: Sendable, Equatable {
    /// Rollouts per prompt sharing one prefill (GRPO's group size G).
    public var samples = 1
    /// Divides the logits; 0 is greedy decoding.
    public var temperature: Float = 0
    /// Keep the k most likely tokens (0 = off).
    public var topK = 0
    /// Keep the smallest set of tokens whose probability reaches p (1 = off).
    public var topP: Float = 1
    /// Rollout r draws from a generator seeded `seed + r`, so one seed gives one group, run to run.
    public var seed: UInt64 = 0
    /// New tokens per rollout at most.
    public var maximumTokens = 512
    /// Tokens that end a rollout (kept as its last token); ``QwenVLStopTokens/load(directory:configuration:)``.
    public var stopTokens: Set<Int> = []
    /// Never sample ids at or above this (the tokenizer's size: Qwen2.5-VL's embedding has 151936 rows for 151665
    /// tokens, the rest padding); nil samples the whole embedding.
    public var vocabularyLimit: Int?

    public init() {}

    /// The engine's sampling parameters.
    public var samplingParameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP)
    }

    /// The temperature log-probabilities are reported under: the sampling one (as TRL and verl score GRPO
    /// rollouts), or 1 for greedy decoding.
    public var scoringTemperature: Float { temperature > 0 ? temperature : 1 }

    /// Rejects impossible settings with a message naming the option.
    public func validate() throws(QwenVLError) {
        guard samples >= 1 else { throw .invalidInput("samples must be at least 1, got \(samples)") }
        guard temperature >= 0, temperature.isFinite else { throw .invalidInput("temperature must be ≥ 0, got \(temperature)") }
        guard topK >= 0 else { throw .invalidInput("top-k must be ≥ 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw .invalidInput("top-p must be in (0, 1], got \(topP)") }
        guard maximumTokens >= 1 else { throw .invalidInput("maximum tokens must be at least 1, got \(maximumTokens)") }
        if let vocabularyLimit, vocabularyLimit < 1 { throw .invalidInput("the vocabulary limit must be positive, got \(vocabularyLimit)") }
        guard samples == 1 || temperature > 0 else {
            throw .invalidInput("\(samples) greedy samples would be identical; give a temperature > 0")
        }
    }
}

/// The end-of-sequence tokens generation stops on.
public enum QwenVLStopTokens {
    /// `eos_token_id` of `generation_config.json` in `directory` (an int or a list; Qwen2.5-VL lists
    /// `<|im_end|>` and `<|endoftext|>`), else the configuration's `eos_token_id` (one id or a list).
    public static func load(directory: URL, configuration: QwenVLConfiguration) throws -> Set<Int> {
        let file = directory.appendingPathComponent("generation_config.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return Set(configuration.text.eosTokenIds) }
        let ids: [Int]
        do {
            guard let listed = try JSONDecoder().decode(GenerationConfigFile.self, from: Data(contentsOf: file)).endOfSequence else {
                return Set(configuration.text.eosTokenIds)
            }
            ids = listed
        } catch {
            throw QwenVLError.invalidInput("\(file.path): eos_token_id must be an integer or a list of integers (\(error))")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= configuration.text.vocabularySize }) {
            throw QwenVLError.invalidInput("\(file.path): eos_token_id \(bad) is outside the vocabulary 0..<\(configuration.text.vocabularySize)")
        }
        return Set(ids)
    }
}

/// The one field of generation_config.json read here.
private struct GenerationConfigFile: Decodable {
    var endOfSequence: [Int]?

    enum CodingKeys: String, CodingKey { case endOfSequence = "eos_token_id" }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try !container.contains(.endOfSequence) || container.decodeNil(forKey: .endOfSequence) {
            endOfSequence = nil
        } else if let single = try? container.decode(Int.self, forKey: .endOfSequence) {
            endOfSequence = [single]
        } else {
            endOfSequence = try container.decode([Int].self, forKey: .endOfSequence)
        }
    }
}

/// Masks the embedding's padding rows (ids ≥ `limit`) to −∞ so they are never sampled.
struct VocabularyLimit: LogitProcessor {
    let limit: Int

    mutating func prompt(_ tokens: [[Int]]) {}

    func process(_ logits: Tensor) -> Tensor {
        let vocabulary = logits.shape[1]
        guard limit < vocabulary else { return logits }
        var values = logits.contiguous().scalars
        for row in 0..<logits.shape[0] {
            for index in (row * vocabulary + limit)..<((row + 1) * vocabulary) { values[index] = -.infinity }
        }
        return Tensor(values, shape: logits.shape)
    }

    mutating func didSample(_ tokens: [Int]) {}
}
