import Foundation
import Support
import Testing

@Suite("Strict JSON reader")
struct StrictJSONTests {
    private func parse(_ text: String) throws(StrictJSONError) -> StrictJSON { try StrictJSON.parse(text) }

    /// The byte offset of the error `text` raises, or nil when it parses.
    private func errorOffset(_ bytes: [UInt8]) -> Int? {
        do { _ = try StrictJSON.parse(Data(bytes)); return nil } catch { return error.offset }
    }

    private func errorOffset(_ text: String) -> Int? { errorOffset(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e1, true, false, null, "x"], "b": {}} "#)
        #expect(value == .object([
            .init(key: "a", value: .array([.integer("1"), .number(-25), .bool(true), .bool(false), .null, .string("x")])),
            .init(key: "b", value: .object([])),
        ]))
    }

    // serde_json refuses `24.0` and `2.4e1` for an integer field, so the lexeme decides, not the value.
    @Test func integersAreTheLexemesWithoutFractionOrExponent() throws {
        #expect(try parse("24") == .integer("24"))
        #expect(try parse("24.0") == .number(24))
        #expect(try parse("2.4e1") == .number(24))
        #expect(try parse("24").serdeInteger(UInt32.self) == 24)
        #expect(try parse("24.0").serdeInteger(UInt32.self) == nil)
        #expect(try parse("-1").serdeInteger(UInt32.self) == nil)
        #expect(try parse("-1").serdeInteger(Int64.self) == -1)
        #expect(try parse("4294967296").serdeInteger(UInt32.self) == nil)
        #expect(try parse("18446744073709551615").serdeInteger(UInt64.self) == .max)
        #expect(try parse("-9223372036854775808").serdeInteger(Int64.self) == .min)
        // Floats to serde_json: negative zero and integers beyond 64 bits.
        #expect(try parse("-0").serdeInteger(Int64.self) == nil)
        #expect(try parse("18446744073709551616").serdeInteger(UInt64.self) == nil)
        #expect(try parse("18446744073709551616") == .integer("18446744073709551616"))
        #expect(try parse("18446744073709551616").kindDescription == "floating point `18446744073709551616`")
        #expect(try parse("7").doubleValue == 7)
    }

    @Test func numbersFollowTheRFCGrammar() {
        for bad in ["01", "-", "1.", ".5", "+1", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10", "1.e3"] {
            #expect(errorOffset(bad) != nil, "\(bad)")
        }
        for good in ["0", "-0", "0.5", "1E3", "1e-3", "-1.25E+2", "1e-400"] {
            #expect(errorOffset(good) == nil, "\(good)")
        }
        // Too large for a double: serde_json says "number out of range".
        #expect(errorOffset("[1e400]") == 1)
        #expect(errorOffset("[1" + String(repeating: "0", count: 400) + "]") == 1)
    }

    // Python's json and serde_json maps take the last value; serde_json structs refuse. Keep all.
    @Test func duplicateKeysAreKeptInOrder() throws {
        let value = try parse(#"{"k": 1, "j": 2, "k": 3}"#)
        #expect(value.members?.map(\.key) == ["k", "j", "k"])
        #expect(value["k"] == .integer("3"))
        #expect(value.firstDuplicateKey == "k")
        #expect(try parse(#"{"k": 1}"#).firstDuplicateKey == nil)
    }

    @Test func stringsAndEscapes() throws {
        #expect(try parse(#""a\"\\\/\b\f\n\r\t\u00e9\u0000""#) == .string("a\"\\/\u{08}\u{0C}\n\r\t\u{E9}\u{0}"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"é😀\u{7F}\"") == .string("é😀\u{7F}"))
        #expect(errorOffset(#""\x""#) == 1)
        #expect(errorOffset(#""\u12G4""#) == 5)
        #expect(errorOffset("\"a\u{01}\"") == 2)
        #expect(errorOffset(#""abc"#) == 4)
    }

    // serde_json refuses lone surrogates ("unexpected end of hex escape", "lone leading surrogate").
    @Test func loneSurrogatesAreRefused() {
        #expect(errorOffset(#"["\ud800"]"#) == 2)
        #expect(errorOffset(#"["\udc00"]"#) == 2)
        #expect(errorOffset(#"["\ud800\u0041"]"#) == 2)
        #expect(errorOffset(#"["\ud800\n"]"#) == 2)
    }

    @Test func invalidUTF8IsRefusedWithItsOffset() {
        let quote = UInt8(ascii: "\"")
        #expect(errorOffset([quote, 0x61, 0xFF, quote]) == 2)
        #expect(errorOffset([quote, 0xC0, 0x80, quote]) == 1)               // overlong NUL
        #expect(errorOffset([quote, 0xED, 0xA0, 0x80, quote]) == 1)         // encoded surrogate
        #expect(errorOffset([quote, 0xF4, 0x90, 0x80, 0x80, quote]) == 1)   // above U+10FFFF
        #expect(errorOffset([quote, 0xE2, 0x82, quote]) == 1)               // truncated
        #expect(errorOffset([quote, 0xE2, 0x82, 0xAC, quote]) == nil)       // €
        #expect(errorOffset([0xC3, 0xA9]) == 0)                             // outside a string
    }

    @Test func byteOrderMarkAndTrailingCharactersAreRefused() {
        #expect(errorOffset([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == 0)
        #expect(errorOffset("{} x") == 3)
        #expect(errorOffset("{}{}") == 2)
        #expect(errorOffset(" {} \n\t\r") == nil)
        // Only space, tab, CR and LF are whitespace.
        #expect(errorOffset("{}\u{0C}") == 2)
        #expect(errorOffset("{}\u{A0}") == 2)
        #expect(errorOffset("") == 0)
        #expect(errorOffset("   ") == 3)
    }

    @Test func structuralErrorsHaveOffsets() {
        #expect(errorOffset("[1 2]") == 3)
        #expect(errorOffset("[1,]") == 3)
        #expect(errorOffset(#"{"a" 1}"#) == 5)
        #expect(errorOffset(#"{"a":1,}"#) == 7)
        #expect(errorOffset("{1:2}") == 1)
        #expect(errorOffset("[tru]") == 1)
        #expect(errorOffset("[nul") == 1)
        #expect(errorOffset("[") == 1)
    }

    // Measured with tokenizers 0.23.3: 127 nested containers load, 128 give "recursion limit exceeded".
    @Test func nestingStopsWhereSerdeJSONStops() {
        let deepest = StrictJSON.serdeMaximumDepth
        #expect(errorOffset(String(repeating: "[", count: deepest) + String(repeating: "]", count: deepest)) == nil)
        #expect(errorOffset(String(repeating: "[", count: deepest + 1) + String(repeating: "]", count: deepest + 1)) == deepest)
        #expect(errorOffset(String(repeating: #"{"a":"#, count: deepest + 1) + "1" + String(repeating: "}", count: deepest + 1))
                == 5 * deepest)
        // Far deeper input fails the same way instead of exhausting the stack.
        #expect(errorOffset(String(repeating: "[", count: 100_000)) == deepest)
    }

    // The writer and the reader agree: what SerdeJSON writes reads back unchanged.
    @Test func readsBackWhatSerdeJSONWrites() throws {
        for text in ["", "plain", "a\"b\\c", "\n\r\t\u{08}\u{0C}\u{01}\u{1F}", "é😀/\u{7F}", "\u{0}", "\u{FFFF}\u{10FFFF}"] {
            #expect(try parse(SerdeJSON.string(text)) == .string(text))
        }
    }
}
