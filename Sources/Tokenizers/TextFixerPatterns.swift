// Mirrors ftfy 6.3.1's regular expressions as Python's `re` runs them: ordered alternatives, leftmost match.
// Every pattern ftfy applies (badness.py, chardata.py) is an alternation of fixed-length sequences of
// character classes, so a tiny matcher over code points (or bytes) reproduces `search` and `sub` exactly
// without a general regex engine, and in linear time per alternative.

/// One position of a flattened pattern.
enum RegexAtom: Sendable {
    /// A character class, by index into `TextFixerTables.sets`.
    case set(Int)
    /// Python's `.` without DOTALL: anything but "\n".
    case any
    /// Python's `\s` for str patterns (`str.isspace`).
    case space
    /// Python's `\w` for str patterns (`str.isalnum()` or "_").
    case word
    /// `^` without MULTILINE: the start of the text; consumes nothing.
    case begin
}

/// A set of code points (or bytes) as sorted closed ranges.
struct ScalarSet: Sendable {
    let ranges: [ClosedRange<UInt32>]
    let negated: Bool

    init(_ ranges: [ClosedRange<UInt32>], negated: Bool = false) {
        self.ranges = ranges
        self.negated = negated
    }

    func contains(_ value: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < value { low = mid + 1 } else { high = mid }
        }
        let inside = low < ranges.count && ranges[low].contains(value)
        return inside != negated
    }
}

/// Python's notions of character classes, which differ from Swift's `Character` properties.
public enum PythonUnicode {
    /// Python's `str.isspace()`, which is also what `\s` matches in `re` str patterns: Unicode
    /// White_Space plus the separators U+001C...U+001F (and not U+180E, U+200B or U+FEFF).
    public static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `\w` for str patterns: `str.isalnum()` (letters Lu/Ll/Lt/Lm/Lo, or any numeric type) or "_".
    static func isWordCharacter(_ value: UInt32) -> Bool {
        if value == 0x5F { return true }
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }

    /// Python's `\d` for str patterns: decimal digits (category Nd).
    static func isDecimalDigit(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return false }
        return scalar.properties.numericType == .decimal
    }
}

/// An alternation of fixed-length atom sequences, tried in order at each position as `re` does.
struct FlatPattern: Sendable {
    /// `RegexAtom` with its character class looked up once, so matching touches no global table.
    enum Atom: Sendable {
        case set(ScalarSet), any, space, word, begin
    }

    let alternatives: [[Atom]]

    init(alternatives: [[RegexAtom]]) {
        self.alternatives = alternatives.map { atoms in
            atoms.map { atom in
                switch atom {
                case .set(let index): return .set(TextFixerTables.sets[index])
                case .any: return .any
                case .space: return .space
                case .word: return .word
                case .begin: return .begin
                }
            }
        }
    }

    /// The length of the first alternative that matches at `position`, if any.
    func matchLength(in text: [UInt32], at position: Int) -> Int? {
        for alternative in alternatives {
            if let length = Self.match(alternative, in: text, at: position) { return length }
        }
        return nil
    }

    /// Whether the pattern matches anywhere (`re.search`).
    func search(_ text: [UInt32]) -> Bool {
        for position in 0..<max(text.count, 1) where matchLength(in: text, at: position) != nil { return true }
        return false
    }

    /// `re.sub` with a replacement computed from each match.
    func substitute(_ text: [UInt32], _ replacement: (ArraySlice<UInt32>) -> [UInt32]) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            if let length = matchLength(in: text, at: position), length > 0 {
                output.append(contentsOf: replacement(text[position..<(position + length)]))
                position += length
            } else {
                output.append(text[position])
                position += 1
            }
        }
        return output
    }

    static func match(_ atoms: [Atom], in text: [UInt32], at start: Int) -> Int? {
        var position = start
        for atom in atoms {
            if case .begin = atom {
                guard position == 0 else { return nil }
                continue
            }
            guard position < text.count else { return nil }
            let value = text[position]
            let matched: Bool
            switch atom {
            case .set(let set): matched = set.contains(value)
            case .any: matched = value != 0x0A
            case .space: matched = PythonUnicode.isWhitespace(value)
            case .word: matched = PythonUnicode.isWordCharacter(value)
            case .begin: matched = true
            }
            guard matched else { return nil }
            position += 1
        }
        return position - start
    }
}

/// Namespace for the generated tables and the patterns built from them.
enum TextFixerTables {
    static let badness = FlatPattern(alternatives: badnessAlternatives)
    static let alteredUTF8 = FlatPattern(alternatives: alteredUTF8Alternatives)
    static let lossyUTF8 = FlatPattern(alternatives: lossyUTF8Alternatives)
    static let utf8Detector = FlatPattern(alternatives: utf8DetectorAlternatives)
}
