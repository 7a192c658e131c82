import Testing
@testable import CaptionMetrics

@Suite("BLEU and ROUGE-L against pycocoevalcap and rouge-score")
struct CaptionMetricsTests {
    static let fixture: MetricsFixture? = try? Fixture.load("text_metrics", as: MetricsFixture.self)

    private func check(_ corpus: MetricsFixture.Corpus, usesStemmer: Bool = false) throws {
        let report = try TextMetrics(usesStemmer: usesStemmer).evaluate(
            hypotheses: corpus.samples.map(\.hypothesis), references: corpus.samples.map(\.references))
        let corpusBleu = [report.bleu1, report.bleu2, report.bleu3, report.bleu4]
        for order in 0..<4 { #expect(agrees(corpusBleu[order], corpus.bleu[order]), "BLEU-\(order + 1)") }
        #expect(agrees(report.rougeL, corpus.rouge_l))
        #expect(agrees(report.rougeLF1, usesStemmer ? corpus.rouge_l_f1_stemmed : corpus.rouge_l_f1))
        for (sample, expected) in zip(report.samples, corpus.samples) {
            for order in 0..<4 {
                #expect(agrees(sample.bleu[order], expected.bleu[order]), "\(expected.hypothesis) BLEU-\(order + 1)")
            }
            #expect(agrees(sample.rougeL, expected.rouge_l), "\(expected.hypothesis)")
            let f1 = usesStemmer ? expected.rouge_l_f1_stemmed : expected.rouge_l_f1
            #expect(agrees(sample.rougeLF1, f1), "\(expected.hypothesis)")
        }
    }

    // Corpus BLEU@1–4 (pooled counts), mean ROUGE-L and ROUGE-L F1 match the references on 520 raw caption pairs.
    @Test func corpusMatchesReference() throws {
        let corpus = try #require(Self.fixture).corpus
        #expect(corpus.samples.count >= 500)
        #expect(corpus.samples.contains { $0.references.count > 1 })
        try check(corpus)
    }

    // Captions are tokenized in one call per side, as COCOEvalCap does: "plan b." before a line starting
    // "The dog" loses its period, so it matches the reference "plan b" (pycocoevalcap: BLEU-1 ≈ 1, ROUGE-L 1).
    @Test func captionsAreTokenizedAsOneCall() throws {
        let report = try TextMetrics().evaluate(hypotheses: ["plan b.", "The dog runs"], references: [["plan b"], ["the dog runs"]])
        #expect(abs(report.bleu1 - 0.9999999996000004) < 1e-9)
        #expect(abs(report.bleu4 - 0.031622776583237186) < 1e-9)
        #expect(report.rougeL == 1)
    }

    // The same corpus with rouge-score's Porter stemmer on.
    @Test func corpusWithStemmerMatchesReference() throws {
        try check(try #require(Self.fixture).corpus, usesStemmer: true)
    }

    // Each tricky case (empty, both empty, shorter than n, repeats, several refs, spaces, case, unicode) matches.
    @Test func trickyCasesMatchReference() throws {
        let fixture = try #require(Self.fixture)
        for corpus in fixture.tricky {
            try check(corpus)
            try check(corpus, usesStemmer: true)
        }
        try check(fixture.tricky_corpus)
    }

    // BLEU and COCO ROUGE-L on the already PTB-tokenised strings match without going through the tokenizer.
    @Test func metricsOnTokenizedTextMatch() throws {
        let corpus = try #require(Self.fixture).corpus
        let bleu = try Bleu().evaluate(hypotheses: corpus.samples.map(\.hypothesis_ptb), references: corpus.samples.map(\.references_ptb))
        for order in 0..<4 { #expect(agrees(bleu.corpus[order], corpus.bleu[order])) }
        let rouge = try CocoRouge().evaluate(hypotheses: corpus.samples.map(\.hypothesis_ptb), references: corpus.samples.map(\.references_ptb))
        #expect(agrees(rouge.corpus, corpus.rouge_l))
    }

    // The corpus value pools counts: it differs from the mean of per-sentence values (metrics.md: .6351 vs .4964).
    @Test func corpusIsNotMeanOfSentences() throws {
        let corpus = try #require(Self.fixture).tricky_corpus
        let report = try TextMetrics().evaluate(hypotheses: corpus.samples.map(\.hypothesis), references: corpus.samples.map(\.references))
        let mean = report.samples.map { $0.bleu[0] }.reduce(0, +) / Double(report.samples.count)
        #expect(abs(report.bleu1 - 0.635095) < 1e-6)
        #expect(abs(mean - 0.496361) < 1e-6)
    }

    // Hand-checked values from shared/reference/metrics.md: a 3-word hypothesis has a small non-zero BLEU-4.
    @Test func shortHypothesisHasSmallBleu4() throws {
        let report = try TextMetrics().evaluate(hypotheses: ["A man cooks."], references: [["A man cooks pasta in the kitchen."]])
        #expect(abs(report.bleu4 - 0.0083357) < 1e-7)
        #expect(abs(report.rougeL - 0.559633) < 1e-6)
        #expect(abs(report.rougeLF1 - 0.6) < 1e-12)
    }

    // Tokens compare by code points as in Python: precomposed and decomposed "é" are different words.
    @Test func tokensCompareByCodePoints() {
        let rouge = CocoRouge()
        #expect(rouge.score(hypothesis: "caf\u{E9}", references: ["cafe\u{301}"]) == 0)
        #expect(rouge.score(hypothesis: "caf\u{E9}", references: ["caf\u{E9}"]) == 1)
    }

    // Splitting follows Python per code point: a mark after a space starts a token, U+001C separates for
    // str.split() but not for split(" ") (reference values from pycocoevalcap).
    @Test func splittingFollowsPython() throws {
        let hypothesis = "a \u{301}b c\u{1C}d", reference = "a \u{301}b c d"
        let bleu = Bleu().scores(Bleu().statistics(hypothesis: hypothesis, references: [reference]))
        let expected = [0.9999999995000004, 0.9999999994583337, 0.9999999993888894, 0.9999999992291674]
        for order in 0..<4 { #expect(agrees(bleu[order], expected[order])) }
        #expect(agrees(CocoRouge().score(hypothesis: hypothesis, references: [reference]), 0.5570776255707762))
    }

    // An empty corpus, count mismatches and samples without references are typed errors.
    @Test func badInputThrows() {
        #expect(throws: MetricsError.emptyCorpus) { try TextMetrics().evaluate(hypotheses: [], references: []) }
        #expect(throws: MetricsError.sampleCountMismatch(hypotheses: 1, references: 0)) {
            try TextMetrics().evaluate(hypotheses: ["a"], references: [])
        }
        #expect(throws: MetricsError.missingReferences(sample: 0)) {
            try TextMetrics().evaluate(hypotheses: ["a"], references: [[]])
        }
    }
}
