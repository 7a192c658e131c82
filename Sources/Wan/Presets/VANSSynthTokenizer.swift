// A umT5-style tokenizer.json (the `tokenizers` Unigram layout of google/umt5-xxl: <pad> 0, </s> 1, <unk> 2,
// Metaspace "▁" pre-tokenizer and decoder, "A </s>" post-processor) with a vocabulary made from a world's text.
//
// Not SentencePiece's EM training: every whole word of the text is a piece "▁word" scored by its log relative
// frequency, every character seen is a piece (scored far lower, so Viterbi prefers whole words and falls back
// to characters for unseen words), and punctuation is split off words. On the closed vocabulary of a synthetic
// world this segments every caption into whole words, which is what a trained Unigram model converges to there.
import Foundation

public enum WanUnigramVocabulary {
    /// umT5's special tokens in id order (pad, eos, unk), as google/umt5-xxl numbers them.
    public static let specialTokens = ["<pad>", "</s>", "<unk>"]

    /// The pieces and scores for `texts`: specials first (score 0), then words by descending count (ties by
    /// spelling), then characters by code point. Deterministic for a given multiset of texts.
    public static func pieces(from texts: [String]) -> [(piece: String, score: Double)] {
        var wordCounts: [String: Int] = [:]
        var characters: Set<Character> = []
        for text in texts {
            for word in text.split(whereSeparator: \.isWhitespace) {
                // Only the first piece of a word follows a space, so only it carries "▁".
                for (position, part) in splitPunctuation(String(word)).enumerated() {
                    wordCounts[(position == 0 ? "▁" : "") + part, default: 0] += 1
                    characters.formUnion(part)
                }
            }
        }
        let total = Double(max(wordCounts.values.reduce(0, +), 1))
        let words = wordCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var result: [(String, Double)] = specialTokens.map { ($0, 0) }
        var seen = Set(specialTokens)
        for (word, count) in words where seen.insert(word).inserted {
            result.append((word, (Double(count) / total).logValue))
        }
        // Characters: the bare "▁" and each character, well below any word so whole words win.
        let floor = (1 / total).logValue - 10
        for piece in ["▁"] + characters.sorted().map(String.init) where seen.insert(piece).inserted {
            result.append((piece, floor))
        }
        return result
    }

    /// tokenizer.json for `texts` in the layout `Tokenizer(directory:)` and HF `tokenizers` read.
    public static func tokenizerJSON(from texts: [String]) throws -> Data {
        let vocabulary = pieces(from: texts)
        let added: [[String: Any]] = specialTokens.enumerated().map { id, token in
            ["id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false,
             "special": true]
        }
        let metaspace: [String: Any] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true]
        let object: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
            "normalizer": ["type": "Sequence", "normalizers": [
                ["type": "NFKC"],
                ["type": "Replace", "pattern": ["Regex": " {2,}"], "content": " "],
            ]],
            "pre_tokenizer": metaspace,
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [["Sequence": ["id": "A", "type_id": 0]], ["SpecialToken": ["id": "</s>", "type_id": 0]]],
                "pair": [["Sequence": ["id": "A", "type_id": 0]], ["SpecialToken": ["id": "</s>", "type_id": 0]],
                         ["Sequence": ["id": "B", "type_id": 0]], ["SpecialToken": ["id": "</s>", "type_id": 0]]],
                "special_tokens": ["</s>": ["id": "</s>", "ids": [1], "tokens": ["</s>"]]],
            ] as [String: Any],
            "decoder": metaspace,
            "model": ["type": "Unigram", "unk_id": 2, "byte_fallback": false,
                      "vocab": vocabulary.map { [$0.piece, $0.score] as [Any] }] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// transformers' T5Tokenizer config for the same specials (no extra ids: the world needs no sentinels).
    public static func tokenizerConfigJSON() throws -> Data {
        let object: [String: Any] = ["tokenizer_class": "T5Tokenizer", "backend": "tokenizers", "pad_token": "<pad>",
                                     "eos_token": "</s>", "unk_token": "<unk>", "extra_ids": 0, "model_max_length": 512]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes tokenizer.json and tokenizer_config.json into `directory`.
    public static func write(texts: [String], to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try tokenizerJSON(from: texts).write(to: directory.appendingPathComponent("tokenizer.json"), options: .atomic)
        try tokenizerConfigJSON().write(to: directory.appendingPathComponent("tokenizer_config.json"), options: .atomic)
    }

    /// "ball." → ["ball", "."]; "(red" → ["(", "red"]: leading and trailing punctuation become their own pieces.
    static func splitPunctuation(_ word: String) -> [String] {
        var characters = Array(word)
        var leading: [String] = [], trailing: [String] = []
        while let first = characters.first, first.isPunctuation, characters.count > 1 { leading.append(String(first)); characters.removeFirst() }
        while let last = characters.last, last.isPunctuation, characters.count > 1 { trailing.insert(String(last), at: 0); characters.removeLast() }
        return leading + [String(characters)] + trailing
    }
}

private extension Double {
    var logValue: Double { Foundation.log(self) }
}
