import Foundation
import TestSupport
import Testing
@testable import Tokenizers

@Suite("BPE trainer")
struct BPETrainerTests {
    struct Case: Decodable {
        let name: String
        let vocab_size: Int
        let min_frequency: Int
        let special_tokens: [String]
    }

    static func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/trained/\(name)", withExtension: "json"))
        return try Data(contentsOf: url)
    }

    // Trained on the corpus, the Swift trainer writes tokenizer.json byte for byte as `tokenizers`' BpeTrainer
    // (Qwen2.5-VL layout) saved it: same vocabulary ids, same merges in the same order, same added tokens.
    @Test func writesTheReferenceTokenizerJSON() throws {
        let cases = try JSONDecoder().decode([Case].self, from: try Self.fixture("cases"))
        #expect(cases.count == 2)
        for reference in cases {
            let trainer = BPETrainer(vocabularySize: reference.vocab_size, minimumFrequency: reference.min_frequency,
                                     specialTokens: reference.special_tokens)
            let trained = try trainer.train(texts: ReferenceCorpus.shared.corpus, preset: .qwen2VL)
            let expected = try #require(String(data: try Self.fixture(reference.name), encoding: .utf8))
            let written = trained.tokenizerJSON
            #expect(written == expected, "\(reference.name): first difference at UTF-8 offset \(zip(written.utf8, expected.utf8).prefix { $0 == $1 }.count)")
            #expect(trained.vocabulary.tokens.count == reference.vocab_size)
        }
    }

    // A written tokenizer loads back (from disk, with its config) and encodes the whole corpus exactly as the
    // same tokenizer loaded from the reference's file does; decode round-trips.
    @Test func writtenTokenizerRoundTrips() throws {
        let corpus = ReferenceCorpus.shared.corpus
        let trained = try BPETrainer(vocabularySize: 1200, minimumFrequency: 2).train(texts: corpus, preset: .qwen2VL)
        let directory = ScratchDirectory.root.appendingPathComponent("vans-bpe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try trained.write(to: directory)
        let loaded = try Tokenizer(directory: directory)
        let referenceURL = try #require(Bundle.module.url(forResource: "Fixtures/trained/vocab1200-min2", withExtension: "json"))
        let reference = try Tokenizer(file: referenceURL)
        #expect(loaded.padID == loaded.id(for: "<|endoftext|>"))
        #expect(loaded.modelMaxLength == 131072)
        #expect(loaded.isSpecial(try #require(loaded.id(for: "<|video_pad|>"))))
        #expect(!loaded.isSpecial(try #require(loaded.id(for: "<tool_call>"))))
        for text in corpus {
            let ids = try loaded.encode(text)
            #expect(ids == (try reference.encode(text)), "\(text.debugDescription)")
            #expect(loaded.decode(ids) == text.precomposedStringWithCanonicalMapping, "\(text.debugDescription)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("tokenizer_config.json"))) as? [String: Any]
        #expect(config?["chat_template"] as? String == ByteLevelBPEPreset.qwen2VLChatTemplate)
        #expect(config?["eos_token"] as? String == "<|im_end|>")
    }

    // Ties go to the smaller id pair, counts are per occurrence, and overlapping runs merge left to right.
    @Test func mergeOrderOnASmallExample() throws {
        let trainer = BPETrainer(vocabularySize: 8, initialAlphabet: [])
        // Pairs: (a,b) 3+2, (b,c) 3, (c,a)… "aaa" holds (a,a) twice but merges once from the left.
        let vocabulary = try trainer.train(wordCounts: ["abc": 3, "ab": 2, "aaa": 1])
        #expect(vocabulary.tokens == ["a", "b", "c", "ab", "abc", "aa", "aaa"])
        #expect(vocabulary.merges == [.init("a", "b"), .init("ab", "c"), .init("a", "a"), .init("aa", "a")])
    }

    // The minimum frequency stops training, and bad settings are typed errors.
    @Test func minimumFrequencyAndBadSettings() throws {
        let vocabulary = try BPETrainer(vocabularySize: 100, minimumFrequency: 3, initialAlphabet: [])
            .train(wordCounts: ["ab": 3, "cd": 2])
        #expect(vocabulary.merges == [.init("a", "b")])
        #expect(throws: TokenizerError.self) { try BPETrainer(vocabularySize: 0).train(wordCounts: [:]) }
        #expect(throws: TokenizerError.self) { try BPETrainer(vocabularySize: 10).train(wordCounts: ["a": -1]) }
    }
}
