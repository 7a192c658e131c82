// Token identity as Python compares strings: by code points, not by Swift's canonical equivalence.

/// Maps token strings to small integers so that n-grams and LCS compare exactly as Python's `==` does
/// (`"café"` precomposed and decomposed are different tokens there, but equal Swift `String`s).
struct TokenInterner {
    private var identifiers: [[UInt8]: Int] = [:]

    mutating func identifier(_ token: Substring.UnicodeScalarView) -> Int {
        let key = Array(String(token).utf8)
        if let existing = identifiers[key] { return existing }
        let next = identifiers.count
        identifiers[key] = next
        return next
    }

    mutating func identifiers(_ tokens: [Substring.UnicodeScalarView]) -> [Int] { tokens.map { identifier($0) } }

    mutating func identifiers(_ tokens: [String]) -> [Int] { tokens.map { identifier(Substring($0).unicodeScalars) } }
}

/// Python's `str.split()`: runs of whitespace separate tokens, judged per code point (a combining mark after a
/// space starts the next token, and the separators U+001C…U+001F count), with no empty tokens.
func pythonWhitespaceSplit(_ text: String) -> [Substring.UnicodeScalarView] {
    text.unicodeScalars.split(whereSeparator: isPythonWhitespace)
}

/// Python's `str.split(" ")`: every single space separates, so double and trailing spaces give empty tokens.
func pythonSpaceSplit(_ text: String) -> [Substring.UnicodeScalarView] {
    text.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
}

/// `str.isspace()` for one code point: bidirectional class WS, B or S, or general category Zs.
private func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}
