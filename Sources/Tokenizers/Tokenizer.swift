// Mirrors tokenizers' Tokenizer pipeline (tokenizer/mod.rs): added tokens → normalizer → pre-tokenizer
// → model → truncation → post-processor, and decode through the decoder chain.
import Foundation

/// A tokenizer loaded from a Hugging Face `tokenizer.json` (byte-level BPE such as Qwen2/GPT-2/CLIP,
/// or SentencePiece Unigram such as T5/umT5), producing the same ids as the `tokenizers` library.
public final class Tokenizer: Sendable {
    enum Model: Sendable {
        case bpe(BPEModel)
        case unigram(UnigramModel)
    }

    /// Which padding side and length a batch gets.
    public enum Padding: Sendable, Equatable {
        case none
        case longest(left: Bool)
        case fixed(Int, left: Bool)
    }

    /// Ids and attention masks of a padded batch (mask 1 for real tokens, 0 for padding).
    public struct BatchEncoding: Sendable, Equatable {
        public let ids: [[Int]]
        public let attentionMask: [[Int]]
    }

    let model: Model
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor
    let decoder: Decoder?
    let isByteLevel: Bool
    /// Every added token, in file order.
    public let addedTokens: [AddedToken]
    private let addedByID: [Int: AddedToken]
    private let addedByContent: [String: AddedToken]
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    /// The pad token id from tokenizer_config.json (or `<pad>`/`<|endoftext|>` if present), for batches.
    public let padID: Int?
    /// `model_max_length` from tokenizer_config.json, when given.
    public let modelMaxLength: Int?
    /// tokenizer.json's own `truncation` and `padding`, applied as the reference applies them.
    let savedTruncation: SavedTruncation?
    let savedPadding: SavedPadding?

    /// The number of CLIP text positions: start token, 75 tokens, end token.
    public static let clipContextLength = 77

    /// Loads `tokenizer.json` and, when present, `tokenizer_config.json` from a directory.
    public convenience init(directory: URL) throws {
        let file = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TokenizerError.unreadableFile(path: file.path, reason: "no such file")
        }
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        let config = FileManager.default.fileExists(atPath: configURL.path) ? try JSONNode.load(configURL) : nil
        try self.init(root: try JSONNode.load(file), config: config)
    }

    /// Loads a `tokenizer.json` file.
    public convenience init(file: URL) throws {
        try self.init(root: try JSONNode.load(file), config: nil)
    }

    /// The fields tokenizers' own reader knows at the top level; it refuses any other.
    private static let topLevelFields: Set<String> = ["version", "truncation", "padding", "added_tokens", "normalizer",
                                                      "pre_tokenizer", "post_processor", "decoder", "model"]

    init(root: JSONNode, config: JSONNode?) throws {
        for (key, node) in try root.object() where !Self.topLevelFields.contains(key) { throw node.fail("unknown top-level field") }
        if !root["version"].isMissing, case let version = try root["version"].string(), version != "1.0" {
            throw root["version"].unsupported("tokenizer.json version \(version.debugDescription)")
        }
        savedTruncation = try SavedTruncation(root["truncation"])
        savedPadding = try SavedPadding(root["padding"])
        let modelNode = root["model"]
        guard try modelNode.object().filter({ $0.key == "type" }).count <= 1 else { throw modelNode["type"].fail("repeated") }
        // Without a `type` the reference guesses from the fields; a `type` that is there must be a name.
        let type = modelNode["type"].isMissing ? (modelNode["merges"].isMissing ? "Unigram" : "BPE") : try modelNode["type"].string()
        switch type {
        case "BPE": model = .bpe(try BPEModel(modelNode))
        case "Unigram": model = .unigram(try UnigramModel(modelNode))
        default: throw modelNode["type"].unsupported("model \(type.debugDescription)")
        }
        normalizer = try Normalizer.parse(root["normalizer"])
        preTokenizer = try PreTokenizer.parse(root["pre_tokenizer"])
        postProcessor = try PostProcessor.parse(root["post_processor"])
        decoder = try Decoder.parse(root["decoder"])
        isByteLevel = preTokenizer?.isByteLevel ?? false
        var added: [AddedToken] = []
        // Every field of an added token is required by the reference.
        if !root["added_tokens"].isMissing {
            for entry in try root["added_tokens"].array() {
                try entry.requireDistinctFields()
                added.append(AddedToken(id: try entry["id"].tokenID(), content: try entry["content"].string(),
                                        isSpecial: try entry["special"].bool(),
                                        singleWord: try entry["single_word"].bool(),
                                        leftStrip: try entry["lstrip"].bool(),
                                        rightStrip: try entry["rstrip"].bool(),
                                        normalized: try entry["normalized"].bool()))
            }
        }
        addedTokens = added
        addedByID = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        addedByContent = Dictionary(added.map { ($0.content, $0) }, uniquingKeysWith: { _, last in last })
        let normalizerCopy = normalizer
        rawMatcher = AddedTokenMatcher(added.filter { !$0.normalized }.map { ($0.content, $0) })
        normalizedMatcher = AddedTokenMatcher(added.filter { $0.normalized }.map { (normalizerCopy?.apply($0.content) ?? $0.content, $0) })

        var pad: Int? = nil
        var maxLength: Int? = nil
        if let config {
            let padNode = config["pad_token"]
            let padName = padNode.isString ? try padNode.string() : try padNode["content"].optionalString()
            if let padName { pad = addedByContent[padName]?.id }
            if !config["model_max_length"].isNull { maxLength = Int(exactly: try config["model_max_length"].double()) }
        }
        let fallbackPad = ["<pad>", "<|endoftext|>"].lazy.compactMap { [addedByContent] in addedByContent[$0]?.id }.first
        padID = pad ?? fallbackPad
        modelMaxLength = maxLength
    }

    /// Size of the id space (model vocabulary plus added tokens).
    public var vocabularySize: Int {
        let modelSize: Int
        switch model {
        case .bpe(let bpe): modelSize = (bpe.tokens.keys.max() ?? -1) + 1
        case .unigram(let unigram): modelSize = unigram.pieces.count
        }
        return max(modelSize, (addedTokens.map(\.id).max() ?? -1) + 1)
    }

    /// The id of a token string (added tokens first, as the reference does).
    public func id(for token: String) -> Int? {
        if let added = addedByContent[token] { return added.id }
        switch model {
        case .bpe(let bpe): return bpe.vocabulary[token]
        case .unigram(let unigram): return unigram.vocabulary[token]
        }
    }

    /// The token string of an id, or nil outside the vocabulary.
    public func token(for id: Int) -> String? {
        if let added = addedByID[id] { return added.content }
        switch model {
        case .bpe(let bpe): return bpe.tokens[id]
        case .unigram(let unigram): return id >= 0 && id < unigram.pieces.count ? unigram.pieces[id].piece : nil
        }
    }

    /// Whether an id is a special added token (skipped by `decode(_:skipSpecialTokens: true)`).
    public func isSpecial(_ id: Int) -> Bool { addedByID[id]?.isSpecial ?? false }

    /// Token ids of `text`. `maxLength` truncates (keeping room for the special tokens) as the reference does;
    /// without it, the file's own truncation applies. The file's padding, if any, comes last.
    public func encode(_ text: String, addSpecialTokens: Bool = true, maxLength: Int? = nil) throws -> [Int] {
        var ids = try encodeUnpadded(text, addSpecialTokens: addSpecialTokens, maxLength: maxLength)
        if let savedPadding {
            let extra = try savedPadding.targetLength(longest: ids.count) - ids.count
            if extra > 0 { ids.insert(contentsOf: repeatElement(savedPadding.id, count: extra), at: savedPadding.fromLeft ? 0 : ids.count) }
        }
        return ids
    }

    private func encodeUnpadded(_ text: String, addSpecialTokens: Bool, maxLength: Int?) throws -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var isFirst = true
        for segment in rawMatcher.split(text) {
            switch segment {
            case .token(let id): ids.append(id); isFirst = false
            case .text(let raw):
                let normalized = normalizer?.apply(raw) ?? raw
                for inner in normalizedMatcher.split(normalized) {
                    switch inner {
                    case .token(let id): ids.append(id)
                    case .text(let piece): try encodeText(piece, isFirstSegment: isFirst, into: &ids)
                    }
                    isFirst = false
                }
                isFirst = false
            }
        }
        if let maxLength {
            guard maxLength >= 0 else { throw TokenizerError.invalidArgument("maxLength \(maxLength) is negative") }
            let room = max(0, maxLength - (addSpecialTokens ? postProcessor.addedCount : 0))
            if ids.count > room { ids.removeLast(ids.count - room) }
        } else if let savedTruncation {
            try savedTruncation.apply(&ids, specialCount: addSpecialTokens ? postProcessor.addedCount : 0)
        }
        return addSpecialTokens ? postProcessor.apply(ids) : ids
    }

    private func encodeText(_ text: String, isFirstSegment: Bool, into ids: inout [Int]) throws {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return }
        var pieces = Pieces(scalars: scalars, ranges: [0..<scalars.count])
        preTokenizer?.apply(&pieces, isFirstSegment: isFirstSegment)
        switch model {
        case .bpe(let bpe):
            for range in pieces.ranges { bpe.encode(piece: pieces.scalars[range], byteLevel: isByteLevel, into: &ids) }
        case .unigram(let unigram):
            for range in pieces.ranges { try unigram.encode(piece: pieces.scalars[range], into: &ids) }
        }
    }

    /// The words a trainer counts in `text`: normalised and pre-tokenised as the model sees them (spelled
    /// in byte characters for byte-level BPE), with no added-token extraction, as `tokenizers`' `train`
    /// feeds its trainer.
    public func preTokenizedWords(_ text: String) -> [String] {
        var words: [String] = []
        forEachPreTokenizedPiece(text) { words.append(spelling(ofPiece: $0)) }
        return words
    }

    /// Calls `body` with the UTF-8 bytes of each piece `preTokenizedWords` gives (one reused buffer).
    func forEachPreTokenizedPiece(_ text: String, _ body: ([UInt8]) -> Void) {
        let normalized = normalizer?.apply(text) ?? text
        let scalars = Array(normalized.unicodeScalars)
        guard !scalars.isEmpty else { return }
        var pieces = Pieces(scalars: scalars, ranges: [0..<scalars.count])
        preTokenizer?.apply(&pieces, isFirstSegment: true)
        var bytes: [UInt8] = []
        for range in pieces.ranges {
            bytes.removeAll(keepingCapacity: true)
            for scalar in pieces.scalars[range] { UTF8.encode(scalar) { bytes.append($0) } }
            body(bytes)
        }
    }

    /// How the model spells a piece given as UTF-8 bytes (byte characters for byte-level BPE).
    func spelling(ofPiece bytes: [UInt8]) -> String {
        isByteLevel ? ByteLevel.encode(bytes) : String(decoding: bytes, as: UTF8.self)
    }

    /// Token strings of ids (unknown ids are skipped).
    public func tokens(for ids: [Int]) -> [String] { ids.compactMap { token(for: $0) } }

    /// Text of ids through the file's decoder; unknown ids are skipped as the reference does.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        let pieces = ids.compactMap { id -> String? in
            if skipSpecialTokens && isSpecial(id) { return nil }
            return token(for: id)
        }
        guard let decoder else { return pieces.joined(separator: " ") }
        return decoder.decodeChain(pieces).joined()
    }

    /// Encodes several texts, truncating to `maxLength` and padding with `padID` as asked; with no padding
    /// asked for, the file's own padding applies (with its pad id), as in the reference's `encode_batch`.
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil, padding: Padding = .none, addSpecialTokens: Bool = true) throws -> BatchEncoding {
        var rows = try texts.map { try encodeUnpadded($0, addSpecialTokens: addSpecialTokens, maxLength: maxLength) }
        var masks = rows.map { [Int](repeating: 1, count: $0.count) }
        let longest = rows.map(\.count).max() ?? 0
        let target: Int
        let left: Bool
        let padWith: Int?
        switch padding {
        case .none:
            guard let savedPadding else { return BatchEncoding(ids: rows, attentionMask: masks) }
            target = try savedPadding.targetLength(longest: longest); left = savedPadding.fromLeft; padWith = savedPadding.id
        case .longest(let side): target = longest; left = side; padWith = padID
        case .fixed(let length, let side): target = length; left = side; padWith = padID
        }
        guard let padID = padWith else { throw TokenizerError.invalidArgument("padding asked for, but the tokenizer has no pad token") }
        for index in rows.indices where rows[index].count < target {
            let extra = target - rows[index].count
            if left {
                rows[index].insert(contentsOf: repeatElement(padID, count: extra), at: 0)
                masks[index].insert(contentsOf: repeatElement(0, count: extra), at: 0)
            } else {
                rows[index].append(contentsOf: repeatElement(padID, count: extra))
                masks[index].append(contentsOf: repeatElement(0, count: extra))
            }
        }
        return BatchEncoding(ids: rows, attentionMask: masks)
    }

    /// CLIP text ids: start token, at most 75 tokens, end token, padded to 77 with the pad token.
    public func encodeCLIP(_ text: String) throws -> [Int] {
        try encodeBatch([text], maxLength: Self.clipContextLength, padding: .fixed(Self.clipContextLength, left: false)).ids[0]
    }
}
