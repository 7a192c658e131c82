// Loads the reference fixtures written by scripts/fixtures/text_metrics.py.
import Foundation
import Testing

enum Fixture {
    static func load<Value: Decodable>(_ name: String, as type: Value.Type) throws -> Value {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
    }
}

/// ptb_tokenizer.json: captions and the Java PTB tokenizer's filtered output.
struct PTBFixture: Decodable {
    let captions: [String]
    let tokenized: [String]
}

/// text_metrics.json: pycocoevalcap and rouge-score values on corpora of raw captions.
struct MetricsFixture: Decodable {
    struct Sample: Decodable {
        let hypothesis: String
        let references: [String]
        let hypothesis_ptb: String
        let references_ptb: [String]
        let bleu: [Double]
        let rouge_l: Double
        let rouge_l_f1: Double
        let rouge_l_f1_stemmed: Double
    }
    struct Corpus: Decodable {
        let bleu: [Double]
        let rouge_l: Double
        let rouge_l_f1: Double
        let rouge_l_f1_stemmed: Double
        let samples: [Sample]
    }
    let corpus: Corpus
    let tricky: [Corpus]
    let tricky_corpus: Corpus
}

/// The agreement the bar asks for: within 1e-9 of the reference, relative to the value's size
/// (so the 1e-12-sized BLEU-4 values of the tricky cases are compared meaningfully too).
func agrees(_ value: Double, _ reference: Double) -> Bool {
    abs(value - reference) <= 1e-9 * max(abs(reference), 1e-6)
}
