// Mirrors pycocoevalcap's rouge/rouge.py (Rouge, β = 1.2).

/// ROUGE-L as the COCO caption evaluation computes it (the evaluation metric).
///
/// Tokens come from splitting on single spaces (`split(" ")`), so double or trailing spaces make empty tokens.
/// Precision and recall are each maximised separately over the references, then
/// F = (1 + β²)·P·R / (R + β²·P) with β = 1.2, or 0 when P or R is 0. The corpus value is the mean over samples.
/// Quirk kept from the reference: an empty hypothesis against an empty reference scores 1.
public struct CocoRouge: Sendable {
    /// The recall weight β.
    public let beta: Double

    public init(beta: Double = 1.2) { self.beta = beta }

    /// ROUGE-L of one hypothesis against its references (space-separated, PTB-normalised strings).
    public func score(hypothesis: String, references: [String]) -> Double {
        var interner = TokenInterner()
        let candidate = interner.identifiers(pythonSpaceSplit(hypothesis))
        var bestPrecision = 0.0
        var bestRecall = 0.0
        for reference in references {
            let tokens = interner.identifiers(pythonSpaceSplit(reference))
            let common = Double(longestCommonSubsequence(tokens, candidate))
            bestPrecision = max(bestPrecision, common / Double(candidate.count))
            bestRecall = max(bestRecall, common / Double(tokens.count))
        }
        guard bestPrecision != 0, bestRecall != 0 else { return 0 }
        let betaSquared = beta * beta
        return ((1 + betaSquared) * bestPrecision * bestRecall) / (bestRecall + betaSquared * bestPrecision)
    }

    /// The mean ROUGE-L over samples and the per-sample values, like `Rouge().compute_score`.
    public func evaluate(hypotheses: [String], references: [[String]]) throws -> (corpus: Double, samples: [Double]) {
        guard hypotheses.count == references.count else {
            throw MetricsError.sampleCountMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        guard !hypotheses.isEmpty else { throw MetricsError.emptyCorpus }
        var samples: [Double] = []
        for (index, (hypothesis, sampleReferences)) in zip(hypotheses, references).enumerated() {
            guard !sampleReferences.isEmpty else { throw MetricsError.missingReferences(sample: index) }
            samples.append(score(hypothesis: hypothesis, references: sampleReferences))
        }
        return (samples.reduce(0, +) / Double(samples.count), samples)
    }
}
