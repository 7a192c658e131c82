import Foundation
import Testing
@testable import Tokenizers

/// The accept/refuse parity table made by scripts/fixtures/tokenizer_parity.py from the reference `tokenizers`:
/// every crafted or mutated tokenizer file must be loaded or refused as the reference does, and where both
/// load it, encode the table's strings to the same ids.
@Suite("Tokenizer file parity")
struct TokenizerParityTests {
    struct Table: Decodable {
        let reference: String
        let texts: [String]
        let cases: [Case]
    }

    struct Case: Decodable {
        let name: String
        let text: String?
        let base: String?
        let edits: [Edit]?
        let accepted: Bool
        let ids: [[Int]]?
        let referenceEncodeError: String?

        enum CodingKeys: String, CodingKey {
            case name, text, base, edits, accepted, ids
            case referenceEncodeError = "reference_encode_error"
        }
    }

    struct Edit: Decodable {
        let replace: [String]?
        let replaceBytes: [String]?
        let prefixBase64: String?
        let truncate: Int?
        let charsmap: CharsmapChange?
        let charsmapText: [String]?

        enum CodingKeys: String, CodingKey {
            case replace, truncate, charsmap
            case replaceBytes = "replace_bytes", prefixBase64 = "prefix_b64", charsmapText = "charsmap_text"
        }
    }

    struct CharsmapChange: Decodable {
        let set: [[Int]]?
        let cut: Int?
        let appendBase64: String?
        let trieSize: UInt32?

        enum CodingKeys: String, CodingKey {
            case set, cut
            case appendBase64 = "append_b64", trieSize = "trie_size"
        }
    }

    /// Where we decide otherwise on purpose, and why (README, "File formats: what we accept").
    static let deliberateDifferences: [String: String] = [
        "qwen-bpe: dropout 0.5": "BPE dropout makes ids random; refused as unsupported",
        "clip-bpe: dropout 0.5": "BPE dropout makes ids random; refused as unsupported",
        "clip-bpe: normalizer type null": "a component whose `type` is null or unknown is refused; the reference guesses it from the other fields",
        "clip-bpe: normalizer unknown type": "a component whose `type` is null or unknown is refused; the reference guesses it from the other fields",
        "clip-bpe: post_processor type unknown": "a component whose `type` is null or unknown is refused; the reference guesses it from the other fields",
    ]

    static func loadTable() throws -> Table {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/parity/tokenizer_parity", withExtension: "json"))
        return try JSONDecoder().decode(Table.self, from: Data(contentsOf: url))
    }

    static func baseFile(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)/tokenizer", withExtension: "json"))
        return Array(try Data(contentsOf: url))
    }

    /// The file a case describes: the same recipe steps as the generator's `apply`.
    static func file(of testCase: Case, bases: [String: [UInt8]]) throws -> [UInt8] {
        var data = testCase.text.map { Array($0.utf8) } ?? bases[testCase.base ?? ""] ?? []
        for edit in testCase.edits ?? [] {
            if let pair = edit.replace ?? edit.replaceBytes {
                let new = edit.replace != nil ? Array(pair[1].utf8) : try decodeBase64(pair[1])
                data = try replacingFirst(Array(pair[0].utf8), with: new, in: data)
            } else if let prefix = edit.prefixBase64 {
                data = try decodeBase64(prefix) + data
            } else if let count = edit.truncate {
                data = Array(data.prefix(count))
            } else {
                let key = Array(#""precompiled_charsmap":""#.utf8)
                let start = try #require(firstRange(of: key, in: data)).upperBound
                let end = try #require(data[start...].firstIndex(of: UInt8(ascii: "\"")))
                var text = Array(data[start..<end])
                if let pair = edit.charsmapText {
                    text = try replacingFirst(Array(pair[0].utf8), with: Array(pair[1].utf8), in: text)
                } else if let change = edit.charsmap {
                    var blob = try decodeBase64(String(decoding: text, as: UTF8.self))
                    for pair in change.set ?? [] { blob[pair[0]] = UInt8(pair[1]) }
                    if let cut = change.cut { blob = Array(blob.prefix(cut)) }
                    blob += try decodeBase64(change.appendBase64 ?? "")
                    if let size = change.trieSize { withUnsafeBytes(of: size.littleEndian) { blob.replaceSubrange(0..<4, with: $0) } }
                    text = Array(Data(blob).base64EncodedString().utf8)
                }
                data.replaceSubrange(start..<end, with: text)
            }
        }
        return data
    }

    private static func decodeBase64(_ text: String) throws -> [UInt8] { Array(try #require(Data(base64Encoded: text))) }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return start..<start + needle.count }
        }
        return nil
    }

    private static func replacingFirst(_ old: [UInt8], with new: [UInt8], in data: [UInt8]) throws -> [UInt8] {
        let range = try #require(firstRange(of: old, in: data), "recipe text not found")
        var result = data
        result.replaceSubrange(range, with: new)
        return result
    }

    @Test func loadDecisionsAndIdsMatchTheReference() throws {
        let table = try Self.loadTable()
        #expect(table.reference == "tokenizers 0.23.3")
        #expect(table.cases.count > 300)
        let bases = try Dictionary(uniqueKeysWithValues: ["qwen-bpe", "clip-bpe", "t5-unigram"].map { ($0, try Self.baseFile($0)) })
        var mismatches: [String] = []
        var bothLoaded = 0
        for testCase in table.cases {
            let data = try Self.file(of: testCase, bases: bases)
            let loaded: Tokenizer?
            var refusal = ""
            do { loaded = try Tokenizer(root: JSONNode.parse(Data(data), name: testCase.name), config: nil) } catch {
                loaded = nil
                refusal = "\(error)"
            }
            let expected = testCase.accepted != (Self.deliberateDifferences[testCase.name] != nil)
            guard (loaded != nil) == expected else {
                mismatches.append("\(testCase.name): reference \(testCase.accepted ? "loads" : "refuses"), we \(loaded == nil ? "refuse: \(refusal)" : "load")")
                continue
            }
            guard let tokenizer = loaded, testCase.accepted else { continue }
            bothLoaded += 1
            if let referenceError = testCase.referenceEncodeError {
                // A reference panic (a damaged charsmap read out of bounds) has no ids to match; an ordinary
                // encoding error (no unk_id for an unknown character) must be an error here too.
                if !referenceError.hasPrefix("panic:") {
                    let failed = table.texts.contains { text in (try? tokenizer.encode(text)) == nil }
                    if !failed { mismatches.append("\(testCase.name): the reference fails to encode (\(referenceError)), we do not") }
                }
                continue
            }
            for (text, ids) in zip(table.texts, testCase.ids ?? []) {
                let ours = Result { try tokenizer.encode(text) }
                if (try? ours.get()) != ids {
                    mismatches.append("\(testCase.name): \(text.debugDescription) → \(ours), reference \(ids)")
                    break
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(table.cases.count) differ:\n\(mismatches.joined(separator: "\n"))")
        #expect(bothLoaded > 80)
        let names = Set(table.cases.map(\.name))
        for name in Self.deliberateDifferences.keys { #expect(names.contains(name), "stale difference \(name)") }
    }
}
