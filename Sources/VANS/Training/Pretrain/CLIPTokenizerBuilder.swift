// Builds a CLIP byte-level BPE tokenizer (the layout of `openai/clip-vit-base-patch32`'s vocab.json, merges.txt and
// tokenizer.json, as transformers' CLIPTokenizer/CLIPTokenizerFast read them) from the synthetic world's text:
// 256 byte characters, the same 256 with the `</w>` end-of-word suffix, learned merges, then the two special tokens.
import Foundation
import Support
import Tokenizers

/// The files of a CLIP tokenizer learned from a text corpus.
public struct CLIPTokenizerFiles: Sendable {
    /// Token → id (vocab.json).
    public let vocabulary: [String: Int]
    /// Merge rules in rank order (merges.txt after its version line).
    public let merges: [(String, String)]
    /// Ids of `<|startoftext|>` and `<|endoftext|>`.
    public let startID: Int
    public let endID: Int

    public var vocabularySize: Int { vocabulary.count }

    /// The pre-tokenisation pattern of CLIP (lower-cased text; contractions, letter runs, single digits, symbol runs).
    static let splitPattern = #"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#

    /// GPT-2's `bytes_to_unicode` in CLIP's vocabulary order: printable bytes first (by value), then the rest mapped
    /// to U+0100 onwards.
    static let byteCharacters: [(byte: UInt8, character: String)] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var characters = printable.map { (UInt8($0), String(UnicodeScalar(UInt8($0)))) }
        var next = 256
        for byte in 0...255 where !printable.contains(byte) {
            characters.append((UInt8(byte), String(UnicodeScalar(UInt32(next))!)))
            next += 1
            printable.append(byte)
        }
        return characters
    }()

    /// Learns up to `maximumMerges` merges (pairs seen at least twice, most frequent first, ties broken by the
    /// pair's text) from `texts`, deterministically.
    public static func learn(from texts: [String], maximumMerges: Int) throws -> CLIPTokenizerFiles {
        let mapping = Dictionary(uniqueKeysWithValues: byteCharacters.map { ($0.byte, $0.character) })
        let regex = try NSRegularExpression(pattern: splitPattern)
        var wordCounts: [String: Int] = [:]
        for text in texts {
            let normalized = text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let range = NSRange(normalized.startIndex..., in: normalized)
            for match in regex.matches(in: normalized, range: range) {
                guard let wordRange = Range(match.range, in: normalized) else { continue }
                wordCounts[String(normalized[wordRange]), default: 0] += 1
            }
        }
        // Each word as symbols: its bytes as characters, the last one carrying `</w>`.
        var words: [(symbols: [String], count: Int)] = wordCounts.keys.sorted().map { word in
            var symbols = Array(word.utf8).map { mapping[$0]! }
            symbols[symbols.count - 1] += "</w>"
            return (symbols, wordCounts[word]!)
        }
        var merges: [(String, String)] = []
        while merges.count < maximumMerges {
            var pairCounts: [String: (pair: (String, String), count: Int)] = [:]
            for word in words where word.symbols.count > 1 {
                for index in 0..<(word.symbols.count - 1) {
                    let pair = (word.symbols[index], word.symbols[index + 1])
                    let key = pair.0 + " " + pair.1
                    pairCounts[key, default: (pair, 0)].count += word.count
                }
            }
            guard let best = pairCounts.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }),
                  best.value.count >= 2 else { break }
            let (left, right) = best.value.pair
            merges.append((left, right))
            for index in words.indices where words[index].symbols.count > 1 {
                var merged: [String] = []
                var position = 0
                let symbols = words[index].symbols
                while position < symbols.count {
                    if position + 1 < symbols.count, symbols[position] == left, symbols[position + 1] == right {
                        merged.append(left + right)
                        position += 2
                    } else {
                        merged.append(symbols[position])
                        position += 1
                    }
                }
                words[index].symbols = merged
            }
        }
        var vocabulary: [String: Int] = [:]
        for (_, character) in byteCharacters { vocabulary[character] = vocabulary.count }
        for (_, character) in byteCharacters { vocabulary[character + "</w>"] = vocabulary.count }
        for (left, right) in merges where vocabulary[left + right] == nil {
            vocabulary[left + right] = vocabulary.count
        }
        let startID = vocabulary.count
        vocabulary["<|startoftext|>"] = startID
        vocabulary["<|endoftext|>"] = startID + 1
        return CLIPTokenizerFiles(vocabulary: vocabulary, merges: merges, startID: startID, endID: startID + 1)
    }

    /// Writes vocab.json, merges.txt, tokenizer.json, tokenizer_config.json and special_tokens_map.json into
    /// `directory`, with `maximumLength` as `model_max_length`.
    public func write(to directory: URL, maximumLength: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(vocabulary), to: directory.appendingPathComponent("vocab.json"))
        let mergeLines = ["#version: 0.2"] + merges.map { "\($0.0) \($0.1)" }
        try AtomicFile.write(Data((mergeLines.joined(separator: "\n") + "\n").utf8), to: directory.appendingPathComponent("merges.txt"))
        let special: (String, Int) -> [String: Any] = { content, id in
            ["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true]
        }
        let tokenizer: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": [special("<|startoftext|>", startID), special("<|endoftext|>", endID)],
            "normalizer": ["type": "Sequence", "normalizers": [
                ["type": "NFC"], ["type": "Replace", "pattern": ["Regex": "\\s+"], "content": " "], ["type": "Lowercase"],
            ]],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|" + Self.splitPattern],
                 "behavior": "Removed", "invert": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            ]],
            "post_processor": ["type": "RobertaProcessing", "sep": ["<|endoftext|>", endID], "cls": ["<|startoftext|>", startID],
                               "trim_offsets": false, "add_prefix_space": false],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": "<|endoftext|>", "continuing_subword_prefix": "",
                      "end_of_word_suffix": "</w>", "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocabulary, "merges": merges.map { [$0.0, $0.1] }],
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: tokenizer, options: [.sortedKeys]),
                             to: directory.appendingPathComponent("tokenizer.json"))
        let configuration: [String: Any] = [
            "tokenizer_class": "CLIPTokenizer", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
            "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "model_max_length": maximumLength,
            "do_lower_case": true, "errors": "replace", "add_prefix_space": false, "clean_up_tokenization_spaces": false,
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys]),
                             to: directory.appendingPathComponent("tokenizer_config.json"))
        let specialMap = ["bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                          "unk_token": "<|endoftext|>"]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: specialMap, options: [.prettyPrinted, .sortedKeys]),
                             to: directory.appendingPathComponent("special_tokens_map.json"))
    }
}
