import Foundation
import Testing
@testable import Tokenizers

/// The reference fixture made by scripts/fixtures/tokenizer_files.py.
struct ReferenceCorpus: @unchecked Sendable {
    let corpus: [String]
    let records: [String: [[Any]]]
    let byteFallback: [String: String]
    let batch: [String: Any]

    static let shared: ReferenceCorpus = {
        let url = Bundle.module.url(forResource: "Fixtures/corpus", withExtension: "json")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var records: [String: [[Any]]] = [:]
        for name in ["qwen", "unigram", "clip"] { records[name] = root[name] as? [[Any]] }
        return ReferenceCorpus(corpus: root["corpus"] as! [String], records: records,
                               byteFallback: root["unigram_byte_fallback"] as! [String: String],
                               batch: root["batch"] as! [String: Any])
    }()

    /// Unpacks the script's base64 12-bit id encoding (two ids per three bytes, 0xFFF pads an odd count).
    static func unpack(_ encoded: String) -> [Int] {
        let bytes = [UInt8](Data(base64Encoded: encoded)!)
        var ids: [Int] = []
        var index = 0
        while index + 2 < bytes.count {
            ids.append(Int(bytes[index]) << 4 | Int(bytes[index + 1]) >> 4)
            ids.append((Int(bytes[index + 1]) & 0xF) << 8 | Int(bytes[index + 2]))
            index += 3
        }
        if ids.last == 0xFFF { ids.removeLast() }
        return ids
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
        return try Tokenizer(directory: url)
    }
}

@Suite("Reference corpus")
struct ReferenceCorpusTests {
    /// Compares ids (and decodes where recorded) on every corpus string; returns mismatch descriptions.
    private func mismatches(_ tokenizer: Tokenizer, _ name: String, maxLength: Int? = nil) throws -> (checked: Int, ids: Int, failures: [String]) {
        let fixture = ReferenceCorpus.shared
        let records = try #require(fixture.records[name])
        var failures: [String] = []
        var idCount = 0
        for (text, record) in zip(fixture.corpus, records) {
            let expected = ReferenceCorpus.unpack(record[0] as! String)
            idCount += expected.count
            let ids = try tokenizer.encode(text, maxLength: maxLength)
            if ids != expected {
                failures.append("\(name) ids \(text.debugDescription): got \(ids) expected \(expected)")
                continue
            }
            if record.count == 3 {
                let plain = (record[1] as? String) ?? text
                let skipped = (record[2] as? String) ?? plain
                let decoded = tokenizer.decode(ids)
                if decoded != plain { failures.append("\(name) decode \(text.debugDescription): got \(decoded.debugDescription) expected \(plain.debugDescription)") }
                let decodedSkipping = tokenizer.decode(ids, skipSpecialTokens: true)
                if decodedSkipping != skipped { failures.append("\(name) decode(skip) \(text.debugDescription): got \(decodedSkipping.debugDescription) expected \(skipped.debugDescription)") }
            }
        }
        return (records.count, idCount, failures)
    }

    // Byte-level BPE with Qwen2's regex, NFC and Qwen2.5-VL's added tokens: ids and decodes equal tokenizers' on all strings.
    @Test func qwenBPEMatchesReference() throws {
        let result = try mismatches(try ReferenceCorpus.tokenizer("qwen-bpe"), "qwen")
        #expect(result.checked >= 5000 && result.ids > 50_000)
        #expect(result.failures.isEmpty, "\(result.failures.count) mismatches:\n\(result.failures.prefix(8).joined(separator: "\n"))")
    }

    // SentencePiece Unigram (Precompiled nmt_nfkc, Metaspace, </s> appended): ids and decodes equal tokenizers' on all strings.
    @Test func t5UnigramMatchesReference() throws {
        let result = try mismatches(try ReferenceCorpus.tokenizer("t5-unigram"), "unigram")
        #expect(result.checked >= 5000 && result.ids > 50_000)
        #expect(result.failures.isEmpty, "\(result.failures.count) mismatches:\n\(result.failures.prefix(8).joined(separator: "\n"))")
    }

    // CLIP BPE (lower-case, whitespace cleanup, </w>, start/end tokens, 77-token truncation) equals tokenizers' on all strings.
    @Test func clipBPEMatchesReference() throws {
        let result = try mismatches(try ReferenceCorpus.tokenizer("clip-bpe"), "clip", maxLength: Tokenizer.clipContextLength)
        #expect(result.checked >= 5000 && result.ids > 50_000)
        #expect(result.failures.isEmpty, "\(result.failures.count) mismatches:\n\(result.failures.prefix(8).joined(separator: "\n"))")
    }

    // Unigram with byte fallback on: unknown characters become <0xXX> byte pieces exactly where the reference does.
    @Test func unigramByteFallbackMatchesReference() throws {
        let fixture = ReferenceCorpus.shared
        let url = Bundle.module.url(forResource: "Fixtures/t5-unigram/tokenizer", withExtension: "json")!
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var model = root["model"] as! [String: Any]
        model["byte_fallback"] = true
        root["model"] = model
        let tokenizer = try Tokenizer(root: JSONNode.parse(try JSONSerialization.data(withJSONObject: root), name: "byte-fallback"), config: nil)
        let plain = try ReferenceCorpus.tokenizer("t5-unigram")
        var failures: [String] = []
        for (index, text) in fixture.corpus.prefix(2000).enumerated() {
            let expected = try fixture.byteFallback[String(index)].map(ReferenceCorpus.unpack) ?? plain.encode(text)
            let ids = try tokenizer.encode(text)
            if ids != expected { failures.append("\(text.debugDescription): got \(ids) expected \(expected)") }
        }
        #expect(!fixture.byteFallback.isEmpty)
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(8).joined(separator: "\n"))")
    }

    // Batch encoding with truncation to 8 and left padding gives the reference ids and attention masks.
    @Test func batchPaddingMatchesReference() throws {
        let fixture = ReferenceCorpus.shared
        let texts = fixture.batch["texts"] as! [String]
        let expected = fixture.batch["left_padding"] as! [[[Int]]]
        let batch = try ReferenceCorpus.tokenizer("qwen-bpe").encodeBatch(texts, maxLength: 8, padding: .longest(left: true))
        #expect(batch.ids == expected.map { $0[0] })
        #expect(batch.attentionMask == expected.map { $0[1] })
    }
}
