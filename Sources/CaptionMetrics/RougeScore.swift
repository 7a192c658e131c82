// Mirrors the rouge-score package: rouge_score/tokenize.py and rouge_scorer.py (rougeL, score_multi).

/// Precision, recall and F1 of one ROUGE comparison.
public struct RougeScoreValue: Sendable, Equatable, Codable {
    public var precision: Double
    public var recall: Double
    public var fmeasure: Double
}

/// ROUGE-L F1 as the `rouge-score` package computes it (the GRPO text-fidelity reward).
///
/// Its tokenizer lower-cases, turns every run of characters outside `[a-z0-9]` into a separator (so non-ASCII
/// letters split words: `crème` → `cr me`), optionally stems tokens longer than three characters with nltk's
/// Porter stemmer, and keeps the `[a-z0-9]+` tokens. P = lcs/|prediction|, R = lcs/|target|, F1 = 2PR/(P+R);
/// an empty target or prediction scores 0. With several targets the one with the highest F1 wins (the first
/// on ties), as in `RougeScorer.score_multi`.
public struct RougeScorer: Sendable {
    /// Whether tokens longer than three characters are Porter-stemmed (rouge-score's `use_stemmer`).
    public let usesStemmer: Bool
    private let stemmer = PorterStemmer()

    public init(usesStemmer: Bool = false) { self.usesStemmer = usesStemmer }

    /// rouge-score's `tokenize.tokenize(text, stemmer)`.
    public func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            guard !current.isEmpty else { return }
            let token = String(current)
            tokens.append(usesStemmer && token.utf8.count > 3 ? stemmer.stem(token) : token)
            current = String.UnicodeScalarView()
        }
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                current.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }

    /// ROUGE-L of a prediction against one target (rouge-score's `score(target, prediction)`).
    public func score(target: String, prediction: String) -> RougeScoreValue {
        score(targetTokens: tokenize(target), predictionTokens: tokenize(prediction))
    }

    /// ROUGE-L against the best of several targets (rouge-score's `score_multi`); 0 with no targets.
    public func score(targets: [String], prediction: String) -> RougeScoreValue {
        let predictionTokens = tokenize(prediction)
        var best: RougeScoreValue?
        for target in targets {
            let value = score(targetTokens: tokenize(target), predictionTokens: predictionTokens)
            if best == nil || value.fmeasure > best!.fmeasure { best = value }
        }
        return best ?? RougeScoreValue(precision: 0, recall: 0, fmeasure: 0)
    }

    private func score(targetTokens: [String], predictionTokens: [String]) -> RougeScoreValue {
        guard !targetTokens.isEmpty, !predictionTokens.isEmpty else {
            return RougeScoreValue(precision: 0, recall: 0, fmeasure: 0)
        }
        var interner = TokenInterner()
        let common = Double(longestCommonSubsequence(interner.identifiers(targetTokens), interner.identifiers(predictionTokens)))
        let precision = common / Double(predictionTokens.count)
        let recall = common / Double(targetTokens.count)
        let fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return RougeScoreValue(precision: precision, recall: recall, fmeasure: fmeasure)
    }
}
