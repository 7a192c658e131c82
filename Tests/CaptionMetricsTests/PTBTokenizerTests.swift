import Testing
@testable import CaptionMetrics

@Suite("PTB tokenizer")
struct PTBTokenizerTests {
    // Every caption of the fixture corpus normalises to exactly the Java PTBTokenizer's filtered output.
    @Test func matchesJavaTokenizerOnCorpus() throws {
        let fixture = try Fixture.load("ptb_tokenizer", as: PTBFixture.self)
        #expect(fixture.captions.count >= 500)
        let tokenizer = PTBTokenizer()
        var mismatches: [String] = []
        for (caption, expected) in zip(fixture.captions, fixture.tokenized) {
            let normalized = tokenizer.normalize(caption)
            if normalized != expected { mismatches.append("\(caption.debugDescription) → \(normalized) (Java: \(expected))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    // Every string of the adversarial corpus (quote runs, dashes, abbreviations, entities, smileys, …; see
    // scripts/fixtures/ptb_adversarial.py) normalises to exactly the Java PTBTokenizer's filtered output.
    @Test func matchesJavaTokenizerOnAdversarialCorpus() throws {
        let fixture = try Fixture.load("ptb_adversarial", as: PTBFixture.self)
        #expect(fixture.captions.count >= 1000)
        #expect(fixture.captions.count == fixture.tokenized.count)
        let tokenizer = PTBTokenizer()
        var mismatches: [String] = []
        for (caption, expected) in zip(fixture.captions, fixture.tokenized) {
            let normalized = tokenizer.normalize(caption)
            if normalized != expected { mismatches.append("\(caption.debugDescription) → \(normalized) (Java: \(expected))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
    }

    struct BatchFixture: Decodable {
        struct Batch: Decodable { let captions: [String]; let tokenized: [String] }
        let whole_corpus_differences: [String: String]
        let batches: [Batch]
    }

    // One pycocoevalcap call over many captions: the lexer reads across line ends (a single letter's period
    // before a sentence starter on the next non-blank line), and the batch API gives exactly Java's output —
    // for the whole adversarial corpus in one call and for batches built around that look-ahead.
    @Test func batchesMatchOneJavaCall() throws {
        let corpus = try Fixture.load("ptb_adversarial", as: PTBFixture.self)
        let fixture = try Fixture.load("ptb_batches", as: BatchFixture.self)
        let tokenizer = PTBTokenizer()
        var expected = corpus.tokenized
        for (index, output) in fixture.whole_corpus_differences { expected[Int(index)!] = output }
        #expect(!fixture.whole_corpus_differences.isEmpty)
        let whole = tokenizer.normalize(batch: corpus.captions)
        let wrong = zip(corpus.captions, zip(whole, expected)).filter { $1.0 != $1.1 }
        #expect(wrong.isEmpty, "\(wrong.count) differ: \(wrong.prefix(5))")
        #expect(fixture.batches.count >= 50)
        for batch in fixture.batches {
            #expect(tokenizer.normalize(batch: batch.captions) == batch.tokenized, "\(batch.captions)")
        }
        #expect(tokenizer.normalize(batch: []) == [])
    }

    // The documented effects: lower-casing, contractions split, hyphens kept, punctuation dropped, brackets kept.
    @Test func documentedEffects() {
        let tokenizer = PTBTokenizer()
        #expect(tokenizer.normalize("He doesn't stop; he's stirring.") == "he does n't stop he 's stirring")
        #expect(tokenizer.normalize("Open the fridge-door (slowly)!") == "open the fridge-door -lrb- slowly -rrb-")
        #expect(tokenizer.normalize("\u{201C}Wait\u{201D}\u{2026} the cr\u{E8}me") == "wait the cr\u{E8}me")
        #expect(tokenizer.normalize("") == "")
        #expect(tokenizer.normalize("a\nb") == "a b")
        #expect(tokenizer.normalize("\u{201C}\u{2018}Hi\u{2019}\u{201D} o\u{2019}clock :-) US$5 &amp; 5\u{A2}")
            == "``` hi ''' o\u{2019}clock :--rrb- us$ 5 & 5 cents")
    }
}
