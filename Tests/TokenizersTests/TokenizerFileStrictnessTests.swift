import Foundation
import TestSupport
import Testing
@testable import Tokenizers

/// The tokenizer-file reproducers of issue 17, rebuilt from their descriptions: each one loads correctly
/// or gives a clean error naming the file and field, and finishes in well under a second. The decisions
/// are the reference's (tokenizers 0.23.3); the parity table tests many more.
@Suite("Tokenizer file strictness")
struct TokenizerFileStrictnessTests {
    private static func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = ScratchDirectory.root.appendingPathComponent("strict-\(UUID().uuidString).json")
        try Data(bytes).write(to: url)
        return url
    }

    /// Loads `text` from a file, timing it; the load must take under a second whatever happens.
    private static func load(_ text: String) throws -> Tokenizer { try load(bytes: Array(text.utf8)) }

    private static func load(bytes: [UInt8]) throws -> Tokenizer {
        let url = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let start = ContinuousClock.now
        defer { #expect(ContinuousClock.now - start < .seconds(1)) }
        return try Tokenizer(file: url)
    }

    /// The error `text` gives, which must name the file and the field.
    private static func refusal(_ text: String, field: String) throws -> TokenizerError {
        let error = try #require(throws: TokenizerError.self) { try load(text) }
        #expect(error.description.contains("strict-"), "\(error)")
        #expect(error.description.contains("`\(field)`"), "\(error)")
        return error
    }

    private static func bpe(_ vocab: String, merges: String = "[]", extra: String = "") -> String {
        #"{"model":{"type":"BPE","vocab":\#(vocab),"merges":\#(merges)\#(extra)}}"#
    }

    // A merge using a negative id used to trap in UInt32(left); the reference refuses ids that are not u32.
    @Test func negativeIdIsRefused() throws {
        let error = try Self.refusal(Self.bpe(#"{"a":-1,"b":1,"ab":2}"#, merges: #"["a b"]"#), field: "model.vocab.a")
        #expect(error.description.contains("integer `-1`"))
        _ = try Self.refusal(Self.bpe(#"{"a":-7}"#), field: "model.vocab.a")
    }

    // Ids from 2³¹ to 2³²−1 are u32 ids the reference loads and encodes; they used to trap in Int32(...).
    @Test func idsUpToTwoToTheThirtyTwoAreEncoded() throws {
        let merged = try Self.load(Self.bpe(#"{"a":0,"b":1,"ab":2147483648}"#, merges: #"["a b"]"#))
        #expect(try merged.encode("ab") == [2_147_483_648])
        #expect(try merged.encode("abba") == [2_147_483_648, 1, 0])
        let single = try Self.load(Self.bpe(#"{"a":2147483648}"#))
        #expect(try single.encode("a") == [2_147_483_648])
        #expect(single.decode([2_147_483_648]) == "a")
        let largest = try Self.load(Self.bpe(#"{"a":4294967295,"b":4294967294,"ab":4294967293}"#, merges: #"["a b"]"#))
        #expect(try largest.encode("aab") == [4_294_967_295, 4_294_967_293])
        _ = try Self.refusal(Self.bpe(#"{"a":4294967296}"#), field: "model.vocab.a")
    }

    // serde_json refuses `1.0` and `1e0` for a u32 field.
    @Test func idsWrittenAsFloatsAreRefused() throws {
        for id in ["1.0", "1e0", "2.4e1", "-0"] {
            let error = try Self.refusal(Self.bpe(#"{"a":\#(id)}"#), field: "model.vocab.a")
            #expect(error.description.contains("floating point"), "\(error)")
        }
    }

    @Test func addedTokenIdsMustBeU32() throws {
        let token = #""content":"x","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true"#
        for id in ["-1", "1099511627776", "3.0"] {
            let text = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"added_tokens":[{"id":\#(id),\#(token)}]}"#
            _ = try Self.refusal(text, field: "added_tokens[0].id")
        }
        let largest = try Self.load(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"added_tokens":[{"id":4294967295,\#(token)}]}"#)
        #expect(try largest.encode("axa") == [0, 4_294_967_295, 0])
    }

    // Every field of an added token is required, as in the reference.
    @Test func addedTokenFieldsAreRequired() throws {
        let text = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"added_tokens":[{"id":5,"content":"x"}]}"#
        _ = try Self.refusal(text, field: "added_tokens[0].special")
    }

    @Test func postProcessorIdsMustBeU32() throws {
        let model = #""model":{"type":"BPE","vocab":{"a":0},"merges":[]}"#
        for id in ["-1", "1099511627776"] {
            let template = #"{\#(model),"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"x","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{"x":{"id":"x","ids":[\#(id)],"tokens":["x"]}}}}"#
            _ = try Self.refusal(template, field: "post_processor.special_tokens.x.ids[0]")
            _ = try Self.refusal(#"{\#(model),"post_processor":{"type":"RobertaProcessing","sep":["s",\#(id)],"cls":["c",2]}}"#, field: "post_processor.sep[1]")
            _ = try Self.refusal(#"{\#(model),"post_processor":{"type":"BertProcessing","sep":["s",1],"cls":["c",\#(id)]}}"#, field: "post_processor.cls[1]")
        }
        let roberta = try Self.load(#"{\#(model),"post_processor":{"type":"RobertaProcessing","sep":["s",4294967295],"cls":["c",2]}}"#)
        #expect(try roberta.encode("a") == [2, 0, 4_294_967_295])
    }

    @Test func flagsMustBeBooleans() throws {
        _ = try Self.refusal(Self.bpe(#"{"a":0}"#, extra: #","byte_fallback":5"#), field: "model.byte_fallback")
        _ = try Self.refusal(#"{"model":{"type":"Unigram","vocab":[["a",-1.0]],"byte_fallback":1}}"#, field: "model.byte_fallback")
    }

    // `type: null` is refused; an absent type is guessed from the fields, as the reference does.
    @Test func modelTypeNullIsRefused() throws {
        _ = try Self.refusal(#"{"model":{"type":null,"vocab":{"a":0},"merges":[]}}"#, field: "model.type")
        #expect(try Self.load(#"{"model":{"vocab":{"a":0},"merges":[]}}"#).encode("a") == [0])
    }

    @Test func byteOrderMarkIsRefused() throws {
        let error = try #require(throws: TokenizerError.self) { try Self.load(bytes: [0xEF, 0xBB, 0xBF] + Array(Self.bpe(#"{"a":0}"#).utf8)) }
        guard case .malformedJSON(let path, let reason) = error else { Issue.record("wrong error \(error)"); return }
        #expect(path.contains("strict-"))
        #expect(reason.contains("byte 0") && reason.contains("byte-order mark"))
    }

    // serde_json stops at 127 nested arrays/objects; a pre-tokenizer Sequence 200 deep is refused, 60 deep loads.
    @Test func deeplyNestedSequenceIsRefused() throws {
        func nested(_ depth: Int) -> String {
            var spec = #"{"type":"WhitespaceSplit"}"#
            for _ in 0..<depth { spec = #"{"type":"Sequence","pretokenizers":[\#(spec)]}"# }
            return #"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":\#(spec)}"#
        }
        let error = try #require(throws: TokenizerError.self) { try Self.load(nested(200)) }
        #expect(error.description.contains("nested more than 127 deep"), "\(error)")
        #expect(try Self.load(nested(60)).encode("a a") == [0, 0])
    }

    // A named pipe given as tokenizer.json is refused at once instead of blocking in open(2).
    @Test func namedPipeIsRefusedWithoutBlocking() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("strict-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipe = directory.appendingPathComponent("tokenizer.json")
        #expect(mkfifo(pipe.path, 0o600) == 0)
        let start = ContinuousClock.now
        let error = try #require(throws: TokenizerError.self) { try Tokenizer(directory: directory) }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(error.description.contains(pipe.path) && error.description.contains("named pipe"), "\(error)")
    }

    // Padding a file asks for beyond any sane length is an error at encoding, not an attempt to allocate it;
    // a huge truncation length or multiple never overflows.
    @Test func hugeSavedPaddingFailsCleanly() throws {
        func padded(_ strategy: String, multiple: String) -> String {
            #"{"padding":{"strategy":\#(strategy),"direction":"Right","pad_to_multiple_of":\#(multiple),"pad_id":0,"pad_type_id":0,"pad_token":"a"},"truncation":{"max_length":18446744073709551615,"strategy":"LongestFirst","stride":0},"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}"#
        }
        let fixed = try Self.load(padded(#"{"Fixed":1099511627776}"#, multiple: "null"))
        #expect(throws: TokenizerError.self) { try fixed.encode("a") }
        let multiple = try Self.load(padded(#""BatchLongest""#, multiple: "18446744073709551615"))
        #expect(throws: TokenizerError.self) { try multiple.encode("a") }
        #expect(try Self.load(padded(#"{"Fixed":3}"#, multiple: "2")).encode("aa") == [0, 0, 0, 0])
    }

    // A repeated key keeps its last value, as the reference's maps do.
    @Test func repeatedVocabularyKeyTakesTheLastId() throws {
        #expect(try Self.load(Self.bpe(#"{"a":0,"a":1}"#)).encode("a") == [1])
    }
}
