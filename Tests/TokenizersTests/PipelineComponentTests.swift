import Foundation
import Testing
@testable import Tokenizers

/// Normalizers and pre-tokenizers one by one against `tokenizers`' `normalize_str` / `pre_tokenize_str`,
/// for the steps the fixture tokenizers do not run (fixture: components.json, by scripts/fixtures/tokenizer_files.py).
@Suite("Pipeline components")
struct PipelineComponentTests {
    struct Component: @unchecked Sendable {
        let spec: [String: Any]
        let hashes: [UInt32]
        var name: String { String(decoding: try! JSONSerialization.data(withJSONObject: spec, options: .sortedKeys), as: UTF8.self) }
    }

    static let components: (normalizers: [Component], preTokenizers: [Component]) = {
        let url = Bundle.module.url(forResource: "Fixtures/components", withExtension: "json")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: [[String: Any]]]
        func parse(_ entries: [[String: Any]]) -> [Component] {
            entries.map { entry in
                let bytes = [UInt8](Data(base64Encoded: entry["hashes"] as! String)!)
                let hashes = stride(from: 0, to: bytes.count, by: 4).map { index in
                    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * $1) }
                }
                return Component(spec: entry["spec"] as! [String: Any], hashes: hashes)
            }
        }
        return (parse(root["normalizers"]!), parse(root["pre_tokenizers"]!))
    }()

    /// The script's hash: 32-bit FNV-1a over the UTF-8 of the outputs joined by NUL.
    static func fnv1a(_ outputs: [String]) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for (index, output) in outputs.enumerated() {
            if index > 0 { hash = (hash ^ 0) &* 0x0100_0193 }
            for byte in output.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        }
        return hash
    }

    // Each normalizer (NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace, Prepend, Sequence) gives the reference's
    // output on the first 2,500 corpus strings.
    @Test func normalizersMatchReference() throws {
        let corpus = ReferenceCorpus.shared.corpus
        #expect(Self.components.normalizers.count == 12)
        for component in Self.components.normalizers {
            let normalizer = try #require(try Normalizer.parse(JSONNode.parse(try JSONSerialization.data(withJSONObject: component.spec), name: "components.json")))
            #expect(component.hashes.count == 2500)
            var mismatches: [String] = []
            for (text, expected) in zip(corpus, component.hashes) {
                let output = normalizer.apply(text)
                if Self.fnv1a([output]) != expected { mismatches.append("\(text.debugDescription) → \(output.debugDescription)") }
            }
            #expect(mismatches.isEmpty, "\(component.name): \(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
        }
    }

    // Each pre-tokenizer (GPT-2's ByteLevel regex with and without a prefix space, Metaspace's three prepend
    // schemes, WhitespaceSplit, a Sequence, Qwen2's Split) gives the reference's pieces on every corpus string.
    @Test func preTokenizersMatchReference() throws {
        let corpus = ReferenceCorpus.shared.corpus
        #expect(Self.components.preTokenizers.count == 8)
        for component in Self.components.preTokenizers {
            let preTokenizer = try #require(try PreTokenizer.parse(JSONNode.parse(try JSONSerialization.data(withJSONObject: component.spec), name: "components.json")))
            #expect(component.hashes.count == corpus.count)
            var mismatches: [String] = []
            for (text, expected) in zip(corpus, component.hashes) {
                let scalars = Array(text.unicodeScalars)
                var pieces = Pieces(scalars: scalars, ranges: scalars.isEmpty ? [] : [0..<scalars.count])
                preTokenizer.apply(&pieces, isFirstSegment: true)
                // The reference shows byte-level pieces already spelled in byte characters.
                let outputs = pieces.ranges.map { range in
                    let piece = String(String.UnicodeScalarView(pieces.scalars[range]))
                    return preTokenizer.isByteLevel ? ByteLevel.encode(piece.utf8) : piece
                }
                if Self.fnv1a(outputs) != expected { mismatches.append("\(text.debugDescription) → \(outputs)") }
            }
            #expect(mismatches.isEmpty, "\(component.name): \(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
        }
    }
}
