import Testing
import TestSupport
@testable import CaptionMetrics

@Suite("Metrics on arbitrary text")
struct RobustnessTests {
    private static let pieces: [String] = [
        "a", "B", "ç", "e\u{301}", "'", "\u{2019}", "\"", "n't", "'s", ".", "..", "…", "-", "—", "(", ")", "[", "{",
        " ", "  ", "\t", "\n", "\r\n", "3", "3.5", ",", ":", "/", "@", "#", "$", "€", "%", "?", "!", "😀", "\u{AD}",
        "\u{A0}", "漢", "İ", "ß", "ﬁ", "\u{0}", "\u{FFFF}", "[Think]", "[/Ans]", "<answer>", "Mr", "U.S", "rock'n'roll",
    ]

    // Random mixes of letters, marks, quotes, emoji, control characters and tags never crash any metric,
    // and every kept PTB token is non-empty and space-free.
    @Test func randomTextIsHandled() throws {
        var generator = SplitMix(seed: 42)
        let tokenizer = PTBTokenizer()
        let scorer = RougeScorer(usesStemmer: true)
        var texts: [String] = []
        for _ in 0..<1500 {
            let count = Int.random(in: 0...12, using: &generator)
            texts.append((0..<count).map { _ in Self.pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            let tokens = tokenizer.tokenize(text)
            #expect(tokens.allSatisfy { !$0.isEmpty && !$0.contains(" ") }, "\(text.debugDescription)")
            for token in scorer.tokenize(text) { #expect(!token.isEmpty) }
        }
        let report = try TextMetrics(usesStemmer: true).evaluate(
            hypotheses: Array(texts.prefix(750)), references: texts.suffix(750).map { [$0, "a man walks"] })
        for value in [report.bleu1, report.bleu4, report.rougeL, report.rougeLF1] {
            #expect(value.isFinite && value >= 0 && value <= 1)
        }
    }
}
