// Unicode classes the tokenizer regexes use (Oniguruma's \p{L}, \p{N}, \s; the regex crate's \w).

/// Per-scalar class bits, with an ASCII table so the common case is one load.
enum CharacterClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let space: UInt8 = 4
    static let newline: UInt8 = 8  // \r or \n (also space)

    private static let asciiTable: [UInt8] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    static func of(_ scalar: Unicode.Scalar) -> UInt8 {
        scalar.value < 128 ? asciiTable[Int(scalar.value)] : classify(scalar)
    }

    private static func classify(_ scalar: Unicode.Scalar) -> UInt8 {
        if scalar == "\r" || scalar == "\n" { return space | newline }
        let properties = scalar.properties
        if properties.isWhitespace { return space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return 0
        }
    }

    /// Rust's `char::is_whitespace` (the White_Space property).
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { of(scalar) & space != 0 }

    /// The regex crate's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
