// The paper's text metrics over a caption corpus, as pycocoevalcap's COCOEvalCap (Bleu, Rouge) and
// rouge-score compute them.

import Foundation
import Support

/// The scores of one sample.
public struct TextSampleScores: Sendable, Equatable, Codable {
    /// BLEU@1–4 of this sample alone (pycocoevalcap's per-sentence list).
    public var bleu: [Double]
    /// pycocoevalcap ROUGE-L (β = 1.2, best P and best R over references).
    public var rougeL: Double
    /// rouge-score ROUGE-L F1 against the best reference.
    public var rougeLF1: Double

    public init(bleu: [Double], rougeL: Double, rougeLF1: Double) {
        self.bleu = bleu
        self.rougeL = rougeL
        self.rougeLF1 = rougeLF1
    }

    // Encoded flat, with the same keys as the corpus values: bleu_1 … bleu_4, rouge_l, rouge_l_f1.
    enum CodingKeys: String, CodingKey {
        case bleu1 = "bleu_1", bleu2 = "bleu_2", bleu3 = "bleu_3", bleu4 = "bleu_4"
        case rougeL = "rouge_l"
        case rougeLF1 = "rouge_l_f1"
    }

    private static let bleuKeys: [CodingKeys] = [.bleu1, .bleu2, .bleu3, .bleu4]

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bleu = try Self.bleuKeys.map { try container.decode(Double.self, forKey: $0) }
        rougeL = try container.decode(Double.self, forKey: .rougeL)
        rougeLF1 = try container.decode(Double.self, forKey: .rougeLF1)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in zip(Self.bleuKeys, bleu) { try container.encode(value, forKey: key) }
        try container.encode(rougeL, forKey: .rougeL)
        try container.encode(rougeLF1, forKey: .rougeLF1)
    }
}

/// Corpus-level text metrics: BLEU@1–4 (counts pooled), ROUGE-L (mean), ROUGE-L F1 (mean), and per-sample values.
public struct TextMetricsReport: Sendable, Equatable, Codable {
    public var bleu1: Double
    public var bleu2: Double
    public var bleu3: Double
    public var bleu4: Double
    public var rougeL: Double
    /// The mean over samples of rouge-score's ROUGE-L F1 (best reference per sample).
    public var rougeLF1: Double
    public var samples: [TextSampleScores]

    enum CodingKeys: String, CodingKey {
        case bleu1 = "bleu_1", bleu2 = "bleu_2", bleu3 = "bleu_3", bleu4 = "bleu_4"
        case rougeL = "rouge_l"
        case rougeLF1 = "rouge_l_f1"
        case samples
    }
}

/// Scores hypothesis captions against reference captions the way the paper's tables are computed.
///
/// BLEU and ROUGE-L see PTB-normalised captions (``PTBTokenizer``), exactly as `COCOEvalCap` feeds them (one
/// tokenizer call for the references and one for the hypotheses, sample `i` being image `i`);
/// ROUGE-L F1 sees the raw captions and uses rouge-score's own tokenizer.
public struct TextMetrics: Sendable {
    public let tokenizer = PTBTokenizer()
    public let bleu = Bleu(maxOrder: 4)
    public let rouge = CocoRouge()
    public let rougeScorer: RougeScorer

    /// - Parameter usesStemmer: Porter-stem tokens for ROUGE-L F1 (rouge-score's `use_stemmer`, off by default).
    public init(usesStemmer: Bool = false) {
        rougeScorer = RougeScorer(usesStemmer: usesStemmer)
    }

    /// Scores a corpus: `references[i]` holds the one or more reference captions of `hypotheses[i]`.
    public func evaluate(hypotheses: [String], references: [[String]]) throws -> TextMetricsReport {
        guard hypotheses.count == references.count else {
            throw MetricsError.sampleCountMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        // rouge-score's F1 needs only the raw captions, so it runs on another core while the PTB tokenizer,
        // BLEU and COCO's ROUGE-L run here: on long captions both ROUGE-Ls are bound by their LCS.
        let rougeF1 = SlotWrittenOnce<[Double]>()
        let group = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { [rougeScorer] in
            rougeF1.value = zip(hypotheses, references).map { rougeScorer.score(targets: $1, prediction: $0).fmeasure }
        }
        defer { group.wait() }
        // As COCOEvalCap: one PTB call over all references (sample by sample), one over all hypotheses.
        let normalizedHypotheses = tokenizer.normalize(batch: hypotheses)
        var flat = tokenizer.normalize(batch: references.flatMap { $0 })[...]
        let normalizedReferences = references.map { captions in
            defer { flat = flat.dropFirst(captions.count) }
            return Array(flat.prefix(captions.count))
        }
        let bleuScores = try bleu.evaluate(hypotheses: normalizedHypotheses, references: normalizedReferences)
        let rougeScores = try rouge.evaluate(hypotheses: normalizedHypotheses, references: normalizedReferences)
        group.wait()
        let f1 = rougeF1.value ?? []
        let samples = hypotheses.indices.map {
            TextSampleScores(bleu: bleuScores.samples[$0], rougeL: rougeScores.samples[$0], rougeLF1: f1[$0])
        }
        return TextMetricsReport(
            bleu1: bleuScores.corpus[0], bleu2: bleuScores.corpus[1], bleu3: bleuScores.corpus[2],
            bleu4: bleuScores.corpus[3], rougeL: rougeScores.corpus,
            rougeLF1: f1.reduce(0, +) / Double(f1.count), samples: samples)
    }
}

/// A value one task writes and another reads after waiting for it on a DispatchGroup, which orders the two
/// accesses (hence `@unchecked Sendable`: no lock is needed).
private final class SlotWrittenOnce<Value>: @unchecked Sendable {
    var value: Value?
}

/// Reads the line-per-sample caption files of `vans metrics text`.
public enum CaptionFiles {
    /// The lines of a UTF-8 text file; a final newline does not start another sample, `\r\n` counts as `\n`.
    public static func lines(of url: URL) throws -> [String] {
        let data: Data
        do { data = try UserFile.read(url.path) } catch { throw MetricsError.unreadableFile(path: url.path, reason: error.reason) }
        guard let text = String(data: data, encoding: .utf8) else { throw MetricsError.invalidText(path: url.path) }
        return TextLines.split(text)
    }

    /// Parses one references line: a JSON array of captions when it starts with `[`, else one plain caption.
    /// - Parameters: path, lineNumber: where the line came from, for error messages (1-based).
    public static func references(line: String, path: String, lineNumber: Int) throws -> [String] {
        guard line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("[") else { return [line] }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw MetricsError.malformedReferences(path: path, line: lineNumber, reason: "not valid JSON")
        }
        guard let captions = parsed as? [Any] else {
            throw MetricsError.malformedReferences(path: path, line: lineNumber, reason: "expected a JSON array of captions")
        }
        guard !captions.isEmpty else {
            throw MetricsError.malformedReferences(path: path, line: lineNumber, reason: "the array of captions is empty")
        }
        return try captions.enumerated().map { index, caption in
            guard let text = caption as? String else {
                throw MetricsError.malformedReferences(
                    path: path, line: lineNumber, reason: "element \(index) of the array is not a string")
            }
            return text
        }
    }

    /// Loads a hypotheses file and a references file with one sample per line each.
    public static func load(hypotheses hypothesesURL: URL, references referencesURL: URL) throws
        -> (hypotheses: [String], references: [[String]])
    {
        let hypotheses = try lines(of: hypothesesURL)
        let referenceLines = try lines(of: referencesURL)
        guard hypotheses.count == referenceLines.count else {
            throw MetricsError.lineCountMismatch(
                hypothesesPath: hypothesesURL.path, hypotheses: hypotheses.count,
                referencesPath: referencesURL.path, references: referenceLines.count)
        }
        guard !hypotheses.isEmpty else { throw MetricsError.emptyCorpus }
        let parsedReferences = try referenceLines.enumerated().map { index, line in
            try Self.references(line: line, path: referencesURL.path, lineNumber: index + 1)
        }
        return (hypotheses, parsedReferences)
    }
}
