// Writes tokenizer.json as tokenizers' serde serialisation does (field order, compact, serde_json's
// string escaping) so the `tokenizers` and `transformers` libraries load what we train.
import Foundation
import Support

/// The layout a trained byte-level BPE tokenizer gets: its normalizer, pre-tokenizer, decoder and
/// post-processor, the added tokens appended after the learned vocabulary, and tokenizer_config.json.
public enum ByteLevelBPEPreset: String, Sendable, CaseIterable {
    /// Qwen2.5-VL's tokenizer: NFC, Qwen2's split regex then byte-level, Qwen2.5-VL's 22 added tokens
    /// (`<|endoftext|>` … `<|video_pad|>` special, the tool/FIM tokens not), its chat template.
    case qwen2VL = "qwen2.5-vl"

    /// Added tokens, in id order after the learned vocabulary: (content, special).
    public var addedTokens: [(content: String, special: Bool)] {
        switch self {
        case .qwen2VL:
            let special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
                           "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
                           "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]
            let plain = ["<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
                         "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"]
            return special.map { ($0, true) } + plain.map { ($0, false) }
        }
    }

    /// The `normalizer`, `pre_tokenizer`, `post_processor` and `decoder` fields, as serialised JSON.
    var pipelineFields: [(key: String, json: String)] {
        switch self {
        case .qwen2VL:
            let byteLevel = #"{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false}"#
            let split = #"{"type":"Split","pattern":{"Regex":"# + SerdeJSON.string(SplitPattern.qwen2Source)
                + #"},"behavior":"Isolated","invert":false}"#
            return [("normalizer", #"{"type":"NFC"}"#),
                    ("pre_tokenizer", #"{"type":"Sequence","pretokenizers":["# + split + "," + byteLevel + "]}"),
                    ("post_processor", byteLevel),
                    ("decoder", byteLevel)]
        }
    }

    /// tokenizer_config.json's fields besides the added tokens.
    var configFields: [String: Any] {
        switch self {
        case .qwen2VL:
            return ["tokenizer_class": "Qwen2Tokenizer", "model_max_length": 131072, "eos_token": "<|im_end|>",
                    "pad_token": "<|endoftext|>", "bos_token": NSNull(), "unk_token": NSNull(), "errors": "replace",
                    "add_bos_token": false, "add_prefix_space": false, "clean_up_tokenization_spaces": false,
                    "split_special_tokens": false, "chat_template": Self.qwen2VLChatTemplate]
        }
    }

    /// Qwen2-VL / Qwen2.5-VL's chat template (chat_template.json of the released checkpoints).
    public static let qwen2VLChatTemplate = """
        {% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}\
        {% if loop.first and message['role'] != 'system' %}<|im_start|>system
        You are a helpful assistant.<|im_end|>
        {% endif %}<|im_start|>{{ message['role'] }}
        {% if message['content'] is string %}{{ message['content'] }}<|im_end|>
        {% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content or \
        'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture \
        {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == \
        'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video \
        {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}\
        {{ content['text'] }}{% endif %}{% endfor %}<|im_end|>
        {% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
        {% endif %}
        """
}

/// A byte-level BPE tokenizer learned by `BPETrainer`, ready to be written as `tokenizer.json` and
/// `tokenizer_config.json` or used directly.
public struct TrainedTokenizer: Sendable {
    public let preset: ByteLevelBPEPreset
    public let vocabulary: BPETrainer.Vocabulary
    /// Every added token with its id: the trainer's special tokens (at the start of the vocabulary), then
    /// the preset's (after it, or at the learned id when the learned vocabulary already holds the text).
    public let addedTokens: [AddedToken]

    init(preset: ByteLevelBPEPreset, vocabulary: BPETrainer.Vocabulary, trainerSpecialTokens: [String]) {
        self.preset = preset
        self.vocabulary = vocabulary
        var ids: [String: Int] = [:]
        for (id, token) in vocabulary.tokens.enumerated() where ids[token] == nil { ids[token] = id }
        // Every added token is matched before normalisation (`normalized: false`), as `tokenizers` gives
        // a trainer's special tokens and as Qwen's file has its own.
        var added: [AddedToken] = []
        var seen = Set<String>()
        func add(_ content: String, special: Bool, id: Int) {
            guard seen.insert(content).inserted else { return }
            added.append(AddedToken(id: id, content: content, isSpecial: special, singleWord: false, leftStrip: false,
                                    rightStrip: false, normalized: false))
        }
        for token in trainerSpecialTokens { add(token, special: true, id: ids[token]!) }
        var next = vocabulary.tokens.count
        for (content, special) in preset.addedTokens where !seen.contains(content) {
            if let id = ids[content] { add(content, special: special, id: id) } else { add(content, special: special, id: next); next += 1 }
        }
        addedTokens = added.sorted { $0.id < $1.id }
    }

    /// tokenizer.json, compact, byte-for-byte as `tokenizers` would save this tokenizer.
    public var tokenizerJSON: String {
        var out = #"{"version":"1.0","truncation":null,"padding":null,"added_tokens":["#
        out += addedTokens.map { token in
            "{\"id\":\(token.id),\"content\":\(SerdeJSON.string(token.content)),\"single_word\":\(token.singleWord),"
                + "\"lstrip\":\(token.leftStrip),\"rstrip\":\(token.rightStrip),\"normalized\":\(token.normalized),"
                + "\"special\":\(token.isSpecial)}"
        }.joined(separator: ",")
        out += "]"
        for (key, json) in preset.pipelineFields { out += ",\"\(key)\":\(json)" }
        out += #","model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"#
        out += #""end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,"ignore_merges":false,"vocab":{"#
        var seen = Set<String>()
        out += vocabulary.tokens.enumerated().compactMap { id, token in
            seen.insert(token).inserted ? "\(SerdeJSON.string(token)):\(id)" : nil
        }.joined(separator: ",")
        out += #"},"merges":["#
        out += vocabulary.merges.map { "[\(SerdeJSON.string($0.left)),\(SerdeJSON.string($0.right))]" }.joined(separator: ",")
        out += "]}}"
        return out
    }

    /// tokenizer_config.json as transformers writes it (sorted keys, `added_tokens_decoder` by id).
    public func configJSON() throws -> Data {
        var config = preset.configFields
        var decoder: [String: Any] = [:]
        for token in addedTokens {
            decoder[String(token.id)] = ["content": token.content, "lstrip": token.leftStrip, "normalized": token.normalized,
                                         "rstrip": token.rightStrip, "single_word": token.singleWord, "special": token.isSpecial]
        }
        config["added_tokens_decoder"] = decoder
        let named = Set([config["eos_token"], config["pad_token"]].compactMap { $0 as? String })
        config["additional_special_tokens"] = addedTokens.filter { $0.isSpecial && !named.contains($0.content) }.map(\.content)
        return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// The tokenizer itself, loaded from the JSON this value writes.
    public func tokenizer() throws -> Tokenizer {
        let name = "(trained \(preset.rawValue) tokenizer)"
        return try Tokenizer(root: try JSONNode.parse(Data(tokenizerJSON.utf8), name: name),
                             config: try JSONNode.parse(try configJSON(), name: name))
    }

    /// Writes `tokenizer.json` and `tokenizer_config.json` into `directory` (created if needed), each
    /// atomically.
    public func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TokenizerError.unwritableFile(path: directory.path, reason: error.localizedDescription)
        }
        for (name, data) in [("tokenizer.json", Data(tokenizerJSON.utf8)), ("tokenizer_config.json", try configJSON())] {
            let url = directory.appendingPathComponent(name)
            do { try AtomicFile.write(data, to: url) } catch {
                throw TokenizerError.unwritableFile(path: url.path, reason: error.description)
            }
        }
    }
}

extension BPETrainer {
    /// Trains a tokenizer of `preset`'s layout on `texts` (each one sequence, e.g. a line): the words are
    /// counted after the preset's normaliser and pre-tokenizer, exactly as `Tokenizer.train_from_iterator`
    /// counts them.
    public func train<Texts: Sequence>(texts: Texts, preset: ByteLevelBPEPreset,
                                       progress: ((Int, Int) -> Void)? = nil) throws -> TrainedTokenizer where Texts.Element == String {
        let skeleton = TrainedTokenizer(preset: preset, vocabulary: .init(tokens: [], merges: []), trainerSpecialTokens: [])
        let counter = try Tokenizer(root: try JSONNode.parse(Data(skeleton.tokenizerJSON.utf8), name: "(\(preset.rawValue) preset)"), config: nil)
        // Counted by UTF-8 bytes, spelled once per distinct word.
        var counts: [[UInt8]: Int] = [:]
        for text in texts {
            counter.forEachPreTokenizedPiece(text) { counts[$0, default: 0] += 1 }
        }
        var words: [String: Int] = [:]
        words.reserveCapacity(counts.count)
        for (bytes, count) in counts { words[counter.spelling(ofPiece: bytes), default: 0] += count }
        let learned = try train(wordCounts: words, progress: progress)
        return TrainedTokenizer(preset: preset, vocabulary: learned, trainerSpecialTokens: specialTokens)
    }
}
