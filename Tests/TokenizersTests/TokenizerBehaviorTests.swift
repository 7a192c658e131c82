import Foundation
import TestSupport
import Testing
@testable import Tokenizers

@Suite("Tokenizer behaviour")
struct TokenizerBehaviorTests {
    private func writeTemporary(_ contents: String) throws -> URL {
        let directory = ScratchDirectory.root.appendingPathComponent("tokenizers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: directory.appendingPathComponent("tokenizer.json"))
        return directory
    }

    // Qwen2.5-VL's special tokens are single ids, split out before BPE, and skipped on request when decoding.
    @Test func specialTokensAreSplitOutAndSkippable() throws {
        let tokenizer = try ReferenceCorpus.tokenizer("qwen-bpe")
        let start = try #require(tokenizer.id(for: "<|im_start|>"))
        let pad = try #require(tokenizer.id(for: "<|video_pad|>"))
        let ids = try tokenizer.encode("<|im_start|>user\n<|video_pad|><|video_pad|>hi")
        #expect(ids.first == start)
        #expect(ids.filter { $0 == pad }.count == 2)
        #expect(tokenizer.decode(ids) == "<|im_start|>user\n<|video_pad|><|video_pad|>hi")
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "user\nhi")
        #expect(tokenizer.padID == tokenizer.id(for: "<|endoftext|>"))
    }

    // Decoding a byte sequence cut inside a multi-byte character gives U+FFFD, never a crash.
    @Test func decodingPartialUTF8IsLossy() throws {
        let tokenizer = try ReferenceCorpus.tokenizer("qwen-bpe")
        let ids = try tokenizer.encode("😀")
        #expect(ids.count > 1)
        #expect(tokenizer.decode(Array(ids.dropLast())).allSatisfy { $0 == "\u{FFFD}" })
        #expect(tokenizer.decode([999_999]) == "")
    }

    // CLIP: every encoding is exactly 77 ids, starting with the start token and padded after the end token.
    @Test func clipContextIsSeventySeven() throws {
        let tokenizer = try ReferenceCorpus.tokenizer("clip-bpe")
        let start = try #require(tokenizer.id(for: "<|startoftext|>"))
        let end = try #require(tokenizer.id(for: "<|endoftext|>"))
        let long = try tokenizer.encodeCLIP(String(repeating: "the man opens the door ", count: 40))
        #expect(long.count == 77 && long.first == start && long.last == end)
        let short = try tokenizer.encodeCLIP("A Dog")
        #expect(short.count == 77 && short[0] == start && short.filter { $0 == end }.count == 77 - short.firstIndex(of: end)!)
        #expect(try tokenizer.encode("A   DOG") == tokenizer.encode("a dog"))
    }

    // T5: </s> is appended by the post-processor and omitted without special tokens.
    @Test func unigramAppendsEndOfSequence() throws {
        let tokenizer = try ReferenceCorpus.tokenizer("t5-unigram")
        let end = try #require(tokenizer.id(for: "</s>"))
        let ids = try tokenizer.encode("the man")
        #expect(ids.last == end)
        #expect(try tokenizer.encode("the man", addSpecialTokens: false) == Array(ids.dropLast()))
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "the man")
    }

    // A missing tokenizer.json is a typed error naming the file.
    @Test func missingFileNamesThePath() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("no-such-tokenizer-\(UUID().uuidString)")
        let error = try #require(throws: TokenizerError.self) { try Tokenizer(directory: directory) }
        #expect(error.description.contains("tokenizer.json"))
    }

    // Invalid JSON is reported as such, with the file name.
    @Test func malformedJSONIsReported() throws {
        let directory = try writeTemporary("{\"model\": [1, 2")
        let error = try #require(throws: TokenizerError.self) { try Tokenizer(directory: directory) }
        guard case .malformedJSON(let path, _) = error else { Issue.record("wrong error \(error)"); return }
        #expect(path.hasSuffix("tokenizer.json"))
    }

    // A bad field is reported with its JSON path (here a merge naming a token absent from the vocab).
    @Test func badFieldNamesItsJSONPath() throws {
        let directory = try writeTemporary(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]}}"#)
        let error = try #require(throws: TokenizerError.self) { try Tokenizer(directory: directory) }
        guard case .invalidField(_, let field, _) = error else { Issue.record("wrong error \(error)"); return }
        #expect(field == "model.merges[1]")
    }

    // Both merge spellings ("a b" and ["a", "b"]) load to the same tokenizer.
    @Test func mergeFormsAreEquivalent() throws {
        let stringForm = try writeTemporary(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "abb": 3}, "merges": ["a b", "ab b"]}}"#)
        let arrayForm = try writeTemporary(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "abb": 3}, "merges": [["a", "b"], ["ab", "b"]]}}"#)
        let first = try Tokenizer(directory: stringForm), second = try Tokenizer(directory: arrayForm)
        #expect(try first.encode("abbab") == [3, 2])
        #expect(try second.encode("abbab") == [3, 2])
    }

    // A regex the hand-written matchers do not know is refused with its JSON path, not silently approximated.
    @Test func unknownSplitRegexIsUnsupported() throws {
        let directory = try writeTemporary(#"{"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Isolated", "invert": false}}"#)
        let error = try #require(throws: TokenizerError.self) { try Tokenizer(directory: directory) }
        guard case .unsupported(_, let field, _) = error else { Issue.record("wrong error \(error)"); return }
        #expect(field == "pre_tokenizer.pattern")
    }

    // A truncated Precompiled charsmap is a typed error, not an out-of-bounds read.
    @Test func truncatedCharsmapIsRejected() throws {
        let blob = Data([0xFF, 0xFF, 0x00, 0x00, 1, 2, 3]).base64EncodedString()
        let directory = try writeTemporary(#"{"model": {"type": "Unigram", "vocab": [["a", 0.0]], "unk_id": 0}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "\#(blob)"}}"#)
        #expect(throws: TokenizerError.self) { try Tokenizer(directory: directory) }
    }

    // A compatibility decomposition that yields a mark (U+FF9E → U+3099) after another mark is canonically
    // reordered, and then composes with its base, as Python's unicodedata and `tokenizers` do.
    @Test func compatibilityMarksAreReordered() {
        #expect(Normalizer.nfkd.apply("\u{30AB}\u{06D8}\u{FF9E}").unicodeScalars.map(\.value) == [0x30AB, 0x3099, 0x06D8])
        #expect(Normalizer.nfkc.apply("\u{30AB}\u{06D8}\u{FF9E}").unicodeScalars.map(\.value) == [0x30AC, 0x06D8])
        #expect(Normalizer.nfc.apply("e\u{0301}") == "\u{E9}")
    }
}
