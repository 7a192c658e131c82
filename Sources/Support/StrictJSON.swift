// The reader side of SerdeJSON: files written by Rust libraries (safetensors headers, tokenizer.json)
// must be refused where serde_json refuses them, and Foundation's JSONSerialization is laxer (it takes
// a byte-order mark, loses the difference between `24` and `24.0`, and keeps one of two duplicate keys
// without saying which). This parser follows RFC 8259 with serde_json's choices where the RFC leaves
// room (checked against serde_json through tokenizers 0.23.3):
// - `24` is an integer and `24.0` / `2.4e1` are not: serde_json refuses the latter for an integer field.
//   Integer lexemes are kept exactly; `-0` and integers outside the 64-bit ranges are floats to serde_json
//   (see `serdeInteger`), while Python's json reads them as ints, so callers choose.
// - Object members keep their order and their duplicates: serde_json maps and Python's json take the
//   last value, serde_json structs refuse the file; callers choose.
// - Refused: a leading UTF-8 byte-order mark, invalid UTF-8, raw control characters in strings, lone
//   surrogate escapes, `NaN`/`Infinity`, leading zeros, numbers too large for a double, anything but
//   space, tab, CR and LF as whitespace, and trailing non-whitespace.
// - Containers nest at most 127 deep: serde_json's recursion limit of 128 refuses the 128th level.
import Foundation

/// Why a JSON text was refused; `offset` is the zero-based byte offset of the problem.
public struct StrictJSONError: Error, CustomStringConvertible, Equatable, Sendable {
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "byte \(offset): \(reason)" }
}

/// A JSON value that keeps what serde_json and Python's json can tell apart.
public enum StrictJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent, as its exact lexeme (`-7`, `2147483648`, `-0`).
    case integer(String)
    /// A number written with a fraction or an exponent (`24.0`, `2.4e1`).
    case number(Double)
    case string(String)
    case array([StrictJSON])
    /// Members in file order, duplicates included.
    case object([Member])

    public struct Member: Equatable, Sendable {
        public let key: String
        public let value: StrictJSON

        public init(key: String, value: StrictJSON) {
            self.key = key
            self.value = value
        }
    }

    /// serde_json's recursion limit: 127 nested arrays/objects read, the 128th refused.
    public static let serdeMaximumDepth = 127

    /// Parses a whole document; anything but whitespace after the value is refused.
    public static func parse(_ data: Data, maximumDepth: Int = serdeMaximumDepth) throws(StrictJSONError) -> StrictJSON {
        let result: Result<StrictJSON, StrictJSONError> = data.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self), maximumDepth: maximumDepth)
            return Result { () throws(StrictJSONError) in try parser.document() }
        }
        return try result.get()
    }

    public static func parse(_ text: String, maximumDepth: Int = serdeMaximumDepth) throws(StrictJSONError) -> StrictJSON {
        try parse(Data(text.utf8), maximumDepth: maximumDepth)
    }
}

extension StrictJSON {
    /// The value as serde_json deserializes it into an integer type `T`: nil for anything not written as
    /// an integer, for `-0` and integers beyond 64 bits (floats to serde_json), and for values outside `T`.
    public func serdeInteger<T: FixedWidthInteger>(_ type: T.Type = T.self) -> T? {
        guard case .integer(let lexeme) = self, lexeme != "-0" else { return nil }
        if lexeme.hasPrefix("-") { return Int64(lexeme).flatMap { T(exactly: $0) } }
        return UInt64(lexeme).flatMap { T(exactly: $0) }
    }

    /// Any number as a double (serde_json and Python both accept an integer where a float is expected).
    public var doubleValue: Double? {
        switch self {
        case .integer(let lexeme): return Double(lexeme)
        case .number(let value): return value
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [StrictJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// An object's members in file order, duplicates included.
    public var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The member's value; the last one when the key repeats, as serde_json maps and Python's json read it.
    public subscript(key: String) -> StrictJSON? {
        members?.last { $0.key == key }?.value
    }

    /// The first key that an object repeats, for callers that refuse duplicates as serde_json structs do.
    public var firstDuplicateKey: String? {
        var seen = Set<String>()
        for member in members ?? [] where !seen.insert(member.key).inserted { return member.key }
        return nil
    }

    /// What kind of value this is, in serde_json's words, for error messages ("expected u32, found …").
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "boolean `\(value)`"
        case .integer(let lexeme): return serdeInteger(Int64.self) != nil || serdeInteger(UInt64.self) != nil
            ? "integer `\(lexeme)`" : "floating point `\(lexeme)`"
        case .number(let value): return "floating point `\(value)`"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func document() throws(StrictJSONError) -> StrictJSON {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw StrictJSONError(offset: 0, reason: "UTF-8 byte-order mark before the JSON text")
        }
        let value = try self.value()
        skipWhitespace()
        guard position == bytes.count else { throw fail("trailing characters after the JSON value") }
        return value
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> StrictJSONError {
        StrictJSONError(offset: offset ?? position, reason: reason)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func value() throws(StrictJSONError) -> StrictJSON {
        skipWhitespace()
        guard let byte = current else { throw fail("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(StrictJSONError) {
        let start = position
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard current == expected else { throw fail("expected `\(word)`", at: start) }
            position += 1
        }
    }

    private mutating func enterContainer() throws(StrictJSONError) {
        depth += 1
        guard depth <= maximumDepth else { throw fail("arrays and objects nested more than \(maximumDepth) deep") }
        position += 1
    }

    private mutating func array() throws(StrictJSONError) -> StrictJSON {
        try enterContainer()
        defer { depth -= 1 }
        var items: [StrictJSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            items.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(items)
            case nil: throw fail("unexpected end of input inside an array")
            default: throw fail("expected `,` or `]`")
            }
        }
    }

    private mutating func object() throws(StrictJSONError) -> StrictJSON {
        try enterContainer()
        defer { depth -= 1 }
        var members: [StrictJSON.Member] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                throw fail(current == nil ? "unexpected end of input inside an object" : "expected a string key")
            }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected `:`") }
            position += 1
            members.append(StrictJSON.Member(key: key, value: try value()))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            case nil: throw fail("unexpected end of input inside an object")
            default: throw fail("expected `,` or `}`")
            }
        }
    }

    private mutating func number() throws(StrictJSONError) -> StrictJSON {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw fail("invalid number", at: start) }
        position += 1
        if first == UInt8(ascii: "0"), let next = current, isDigit(next) {
            throw fail("invalid number (leading zero)", at: start)
        }
        skipDigits()
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try requireDigits(numberStart: start)
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try requireDigits(numberStart: start)
        }
        let lexeme = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger {
            // serde_json reads integers beyond 64 bits as doubles, and refuses those beyond a double's range.
            if Int64(lexeme) == nil, UInt64(lexeme) == nil, Double(lexeme)?.isFinite != true {
                throw fail("number out of range", at: start)
            }
            return .integer(lexeme)
        }
        guard let value = Double(lexeme), value.isFinite else { throw fail("number out of range", at: start) }
        return .number(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    private mutating func requireDigits(numberStart: Int) throws(StrictJSONError) {
        guard let byte = current, isDigit(byte) else { throw fail("invalid number", at: numberStart) }
        skipDigits()
    }

    /// A string literal starting at the opening quote.
    private mutating func string() throws(StrictJSONError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            // Copy the run of plain bytes up to the next quote, backslash or non-ASCII byte in one go.
            let runStart = position
            while let byte = current, byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                position += 1
            }
            utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
            guard let byte = current else { throw fail("unexpected end of input inside a string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0x80...:
                let length = try validUTF8Sequence()
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<position + length]))
                position += length
            default:
                throw fail("control character (U+0000 to U+001F) inside a string")
            }
        }
    }

    /// The length of the well-formed UTF-8 sequence at `position` (RFC 3629: no overlongs, no surrogates).
    private func validUTF8Sequence() throws(StrictJSONError) -> Int {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: throw fail("invalid UTF-8")
        }
        guard position + length <= bytes.count, secondRange.contains(bytes[position + 1]) else { throw fail("invalid UTF-8") }
        for index in position + 2..<position + length where !(0x80...0xBF).contains(bytes[index]) {
            throw fail("invalid UTF-8")
        }
        return length
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(StrictJSONError) {
        let start = position
        position += 1
        guard let letter = current else { throw fail("unexpected end of input inside a string") }
        position += 1
        let simple: UInt8?
        switch letter {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw fail("invalid escape", at: start)
        }
        if let simple { utf8.append(simple); return }
        var scalar = try hexQuad()
        if (0xDC00...0xDFFF).contains(scalar) { throw fail("lone trailing surrogate in \\u escape", at: start) }
        if (0xD800...0xDBFF).contains(scalar) {
            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                throw fail("lone leading surrogate in \\u escape", at: start)
            }
            position += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone leading surrogate in \\u escape", at: start) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        // Not a surrogate by now, so always a valid scalar.
        utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    private mutating func hexQuad() throws(StrictJSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexDigit(byte) else { throw fail("invalid \\u escape") }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
