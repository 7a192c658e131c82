import Testing
@testable import Metrics

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
