// Mirrors pycocoevalcap's bleu/bleu_scorer.py (BleuScorer with option "closest").

import Foundation

/// The counts BLEU needs from one hypothesis and its references.
public struct BleuStatistics: Sendable, Equatable {
    /// Number of hypothesis tokens.
    public var hypothesisLength: Int
    /// Length of the reference closest to the hypothesis length (ties go to the shorter one).
    public var referenceLength: Int
    /// Hypothesis n-grams of each order 1...n: max(0, length − k + 1).
    public var guesses: [Int]
    /// Matched n-grams of each order, each clipped by its maximum count in any one reference.
    public var matches: [Int]
}

/// BLEU@1…n as the COCO caption evaluation computes it.
///
/// Tokens are whitespace-separated (pass PTB-normalised text, see ``PTBTokenizer``). The corpus value pools
/// the counts of all samples; the per-sample values use the same formula on one sample's counts:
///
///     BLEU_n = (Π_{k≤n} (matches_k + 1e-15) / (guesses_k + 1e-9))^(1/n),
///     times exp(1 − 1/ratio) when ratio = (c + 1e-15)/(r + 1e-9) < 1.
public struct Bleu: Sendable {
    /// The highest n-gram order (4 for BLEU@1–4).
    public let maxOrder: Int
    private static let tiny = 1e-15
    private static let small = 1e-9

    public init(maxOrder: Int = 4) {
        precondition(maxOrder >= 1, "BLEU needs at least unigrams")
        self.maxOrder = maxOrder
    }

    /// The counts for one hypothesis against its references (all whitespace-tokenised strings).
    public func statistics(hypothesis: String, references: [String]) -> BleuStatistics {
        var interner = TokenInterner()
        var numbering = NGramNumbering()
        let hypothesisTokens = interner.identifiers(pythonWhitespaceSplit(hypothesis))
        numbering.reserveCapacity(hypothesisTokens.count * 2 * (maxOrder - 1))
        var referenceLengths: [Int] = []
        var maximumCounts = [[Int: Int]](repeating: [:], count: maxOrder)
        for reference in references {
            let tokens = interner.identifiers(pythonWhitespaceSplit(reference))
            referenceLengths.append(tokens.count)
            for (order, counts) in ngramCounts(tokens, numbering: &numbering).enumerated() {
                for (ngram, count) in counts { maximumCounts[order][ngram] = max(maximumCounts[order][ngram] ?? 0, count) }
            }
        }
        let length = hypothesisTokens.count
        var matches = [Int](repeating: 0, count: maxOrder)
        for (order, counts) in ngramCounts(hypothesisTokens, numbering: &numbering).enumerated() {
            for (ngram, count) in counts { matches[order] += min(maximumCounts[order][ngram] ?? 0, count) }
        }
        // min over (|l − c|, l): the closest length, ties to the shorter reference.
        let closest = referenceLengths.min { (abs($0 - length), $0) < (abs($1 - length), $1) } ?? 0
        return BleuStatistics(
            hypothesisLength: length, referenceLength: closest,
            guesses: (1...maxOrder).map { max(0, length - $0 + 1) }, matches: matches)
    }

    /// How often each n-gram occurs, by order (index 0: unigrams), n-grams given by their numbers.
    private func ngramCounts(_ tokens: [Int], numbering: inout NGramNumbering) -> [[Int: Int]] {
        var result: [[Int: Int]] = []
        // The numbers of the n-grams starting at each position, one order at a time (unigrams: the tokens).
        var numbers = tokens
        for order in 1...maxOrder {
            if order > 1 {
                numbers = numbers.indices.dropLast().map {
                    numbering.number(order: order, prefix: numbers[$0], last: tokens[$0 + order - 1])
                }
            }
            var counts: [Int: Int] = [:]
            counts.reserveCapacity(numbers.count)
            for number in numbers { counts[number, default: 0] += 1 }
            result.append(counts)
        }
        return result
    }

    /// BLEU@1…maxOrder from (possibly pooled) counts.
    public func scores(_ statistics: BleuStatistics) -> [Double] {
        var product = 1.0
        var result: [Double] = []
        for order in 0..<maxOrder {
            product *= (Double(statistics.matches[order]) + Self.tiny) / (Double(statistics.guesses[order]) + Self.small)
            result.append(pow(product, 1.0 / Double(order + 1)))
        }
        let ratio = (Double(statistics.hypothesisLength) + Self.tiny) / (Double(statistics.referenceLength) + Self.small)
        if ratio < 1 {
            let penalty = exp(1 - 1 / ratio)
            result = result.map { $0 * penalty }
        }
        return result
    }

    /// Corpus BLEU (counts pooled over samples) and the per-sample values, like `Bleu(n).compute_score`.
    /// - Returns: `corpus[k]` is BLEU@(k+1); `samples[i][k]` the same for sample i.
    public func evaluate(hypotheses: [String], references: [[String]]) throws -> (corpus: [Double], samples: [[Double]]) {
        guard hypotheses.count == references.count else {
            throw MetricsError.sampleCountMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        guard !hypotheses.isEmpty else { throw MetricsError.emptyCorpus }
        var total = BleuStatistics(
            hypothesisLength: 0, referenceLength: 0,
            guesses: [Int](repeating: 0, count: maxOrder), matches: [Int](repeating: 0, count: maxOrder))
        var samples: [[Double]] = []
        for (index, (hypothesis, sampleReferences)) in zip(hypotheses, references).enumerated() {
            guard !sampleReferences.isEmpty else { throw MetricsError.missingReferences(sample: index) }
            let sample = statistics(hypothesis: hypothesis, references: sampleReferences)
            total.hypothesisLength += sample.hypothesisLength
            total.referenceLength += sample.referenceLength
            for order in 0..<maxOrder {
                total.guesses[order] += sample.guesses[order]
                total.matches[order] += sample.matches[order]
            }
            samples.append(scores(sample))
        }
        return (scores(total), samples)
    }
}

/// Numbers n-grams so that equal n-grams of one order get equal numbers without building an array per
/// n-gram: an n-gram is the number of its (n−1)-gram prefix plus its last token.
private struct NGramNumbering {
    private struct Key: Hashable {
        let order: Int
        let prefix: Int
        let last: Int
    }

    private var numbers: [Key: Int] = [:]

    mutating func reserveCapacity(_ count: Int) { numbers.reserveCapacity(count) }

    mutating func number(order: Int, prefix: Int, last: Int) -> Int {
        let key = Key(order: order, prefix: prefix, last: last)
        if let known = numbers[key] { return known }
        let new = numbers.count
        numbers[key] = new
        return new
    }
}
