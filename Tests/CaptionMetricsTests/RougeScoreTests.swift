import Testing
@testable import CaptionMetrics

private struct StemmerFixture: Decodable {
    let words: [String]
    let stems: [String]
}

private struct TokenizerCase: Decodable {
    let text: String
    let tokens: [String]
}

@Suite("rouge-score tokenizer and nltk Porter stemmer")
struct RougeScoreTests {
    // Every word stems exactly as nltk's PorterStemmer (NLTK_EXTENSIONS) stems it.
    @Test func stemmerMatchesNLTK() throws {
        let fixture = try Fixture.load("porter_stemmer", as: StemmerFixture.self)
        let stemmer = PorterStemmer()
        var mismatches: [String] = []
        for (word, stem) in zip(fixture.words, fixture.stems) where stemmer.stem(word) != stem {
            mismatches.append("\(word) → \(stemmer.stem(word)) (nltk: \(stem))")
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    // The tokenizer lower-cases and splits on everything outside [a-z0-9], as rouge_score.tokenize does.
    @Test func tokenizerMatchesRougeScore() throws {
        let cases = try Fixture.load("rouge_score_tokenizer", as: [TokenizerCase].self)
        let scorer = RougeScorer()
        for item in cases { #expect(scorer.tokenize(item.text) == item.tokens, "\(item.text)") }
        #expect(scorer.tokenize("The chef flambés the crème") == ["the", "chef", "flamb", "s", "the", "cr", "me"])
    }

    // Stemming raises the overlap of inflected words (metrics.md: 0.2 without, 0.6 with the stemmer).
    @Test func stemmerChangesScore() {
        let target = "the man opened the door", prediction = "the men are opening doors"
        #expect(abs(RougeScorer().score(target: target, prediction: prediction).fmeasure - 0.2) < 1e-12)
        #expect(abs(RougeScorer(usesStemmer: true).score(target: target, prediction: prediction).fmeasure - 0.6) < 1e-12)
    }

    // Both empty scores 0 (unlike COCO ROUGE-L's 1), and no targets scores 0.
    @Test func emptyInputsScoreZero() {
        #expect(RougeScorer().score(target: "", prediction: "").fmeasure == 0)
        #expect(RougeScorer().score(targets: [], prediction: "a").fmeasure == 0)
        #expect(CocoRouge().score(hypothesis: "", references: [""]) == 1)
    }
}
