import Foundation
import Testing
import Tokenizers
@testable import Wan

@Suite("Wan prompt cleaning (diffusers prompt_clean + umT5 tokenization)")
struct PromptCleaningTests {
    /// The shared fixtures live with the Tokenizers tests (the corpus and the 350 KB tokenizer are not copied).
    static let tokenizersFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("TokenizersTests/Fixtures")

    /// `[input, fix_text?, prompt_clean?]` rows; outputs are `[p, s, middle]` edits of the input.
    static func cleaningCorpus() throws -> [(input: String, cleaned: String)] {
        let url = tokenizersFixtures.appendingPathComponent("text_fixer.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let rows = try #require(root["cases"] as? [[Any]])
        return try rows.map { row in
            let input = try #require(row[0] as? String)
            let fixed = try row.count > 1 ? apply(row[1], to: input) : input
            return (input, try row.count > 2 ? apply(row[2], to: input) : fixed)
        }
    }

    private static func apply(_ edit: Any, to input: String) throws -> String {
        guard let parts = edit as? [Any] else { return input }
        let prefix = try #require(parts[0] as? Int)
        let suffix = try #require(parts[1] as? Int)
        let middle = try #require(parts[2] as? String)
        let scalars = Array(input.unicodeScalars)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[..<prefix])
        result.append(contentsOf: middle.unicodeScalars)
        result.append(contentsOf: scalars[(scalars.count - suffix)...])
        return String(result)
    }

    // Every corpus string cleans to exactly what diffusers' prompt_clean returned for it.
    @Test func matchesDiffusersPromptClean() throws {
        let corpus = try Self.cleaningCorpus()
        #expect(corpus.count >= 3000)
        let cleaner = WanPromptCleaner()
        let mismatches = corpus.filter { cleaner.clean($0.input) != $0.cleaned }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, first: \(mismatches.prefix(10).map { "\(Array($0.input.unicodeScalars)) -> \(Array(cleaner.clean($0.input).unicodeScalars)), expected \(Array($0.cleaned.unicodeScalars))" })")
    }

    // Padded umT5 ids and masks equal transformers' T5TokenizerFast call in _get_t5_prompt_embeds.
    @Test func umT5IdsMatchTransformers() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/umt5_prompt_ids", withExtension: "json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let maxLength = try #require(root["max_length"] as? Int)
        let padID = try #require(root["pad_id"] as? Int)
        let rows = try #require(root["prompts"] as? [[Any]])
        #expect(rows.count >= 200 && maxLength == WanPromptCleaner.maxSequenceLength)
        let prompts = try rows.map { try #require($0[0] as? String) }
        let expected = try rows.map { try #require($0[1] as? [Int]) }
        let tokenizer = try Tokenizer(file: Self.tokenizersFixtures.appendingPathComponent("t5-unigram/tokenizer.json"))
        let batch = try WanPromptCleaner().encode(prompts, tokenizer: tokenizer)
        for (index, real) in expected.enumerated() {
            let padding = maxLength - real.count
            #expect(batch.ids[index] == real + Array(repeating: padID, count: padding), "prompt \(index): \(prompts[index])")
            #expect(batch.attentionMask[index] == Array(repeating: 1, count: real.count) + Array(repeating: 0, count: padding))
        }
    }

    // The documented example: quotes straightened, nested entities decoded twice, whitespace collapsed.
    @Test func documentedExample() {
        #expect(WanPromptCleaner().clean("  A cat’s\r\n  &amp;amp;  toy ") == "A cat's & toy")
    }

    // Python's whitespace, not Swift's: U+001C...U+001F collapse, U+200B and U+FEFF-like format characters do not.
    @Test func pythonWhitespaceDefinition() {
        #expect(WanPromptCleaner.collapsingWhitespace("a\u{1C}\u{1F} b\u{3000}c\u{85}") == "a b c")
        #expect(WanPromptCleaner.collapsingWhitespace("a\u{200B}b \u{180E}c") == "a\u{200B}b \u{180E}c")
    }
}
