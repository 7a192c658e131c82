// Mirrors tokenizers' normalizers: NFC, NFKC, NFD, NFKD, Lowercase, Strip, Replace, Prepend, Precompiled, Sequence.
import Foundation

/// A text normalisation step from a tokenizer.json `normalizer` field.
indirect enum Normalizer: Sendable {
    case nfc, nfkc, nfd, nfkd, lowercase
    case strip(left: Bool, right: Bool)
    case replace(ReplacePattern, with: String)
    case prepend(String)
    case precompiled(PrecompiledCharsMap)
    case sequence([Normalizer])

    static func parse(_ node: JSONNode) throws -> Normalizer? {
        if node.isNull { return nil }
        let type = try node["type"].string()
        switch type {
        case "NFC": return .nfc
        case "NFKC": return .nfkc
        case "NFD": return .nfd
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip": return .strip(left: try node["strip_left"].bool(default: true), right: try node["strip_right"].bool(default: true))
        case "Replace": return .replace(try ReplacePattern.parse(node["pattern"]), with: try node["content"].string())
        case "Prepend": return .prepend(try node["prepend"].string())
        case "Precompiled":
            let field = node["precompiled_charsmap"]
            return .precompiled(try PrecompiledCharsMap(base64: try field.string(), file: field.file, field: field.path))
        case "Sequence":
            return .sequence(try node["normalizers"].array().compactMap { try parse($0) })
        default:
            throw node["type"].unsupported("normalizer \(type.debugDescription)")
        }
    }

    func apply(_ text: String) -> String {
        switch self {
        case .nfc: return Self.isASCII(text) ? text : Self.unicodeNormalized(text, compatibility: false, composes: true)
        case .nfkc: return Self.isASCII(text) ? text : Self.unicodeNormalized(text, compatibility: true, composes: true)
        case .nfd: return Self.isASCII(text) ? text : Self.unicodeNormalized(text, compatibility: false, composes: false)
        case .nfkd: return Self.isASCII(text) ? text : Self.unicodeNormalized(text, compatibility: true, composes: false)
        case .lowercase:
            // Per scalar, full mappings, no context (Rust's `char::to_lowercase`).
            var result = UTF8Builder(capacity: text.utf8.count)
            for scalar in text.unicodeScalars {
                if scalar.value < 128 {
                    result.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            return result.string
        case let .strip(left, right):
            var scalars = Substring(text).unicodeScalars[...]
            if left { while let first = scalars.first, CharacterClass.isWhitespace(first) { scalars.removeFirst() } }
            if right { while let last = scalars.last, CharacterClass.isWhitespace(last) { scalars.removeLast() } }
            return String(String.UnicodeScalarView(scalars))
        case let .replace(pattern, content): return pattern.replaceAll(in: text, with: content)
        case let .prepend(prefix): return text.isEmpty ? text : prefix + text
        case let .precompiled(map): return map.normalize(text)
        case let .sequence(steps): return steps.reduce(text) { $1.apply($0) }
        }
    }

    private static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 128 } }

    /// Unicode normalisation forms through Foundation, with one repair: Foundation skips canonical
    /// reordering when a starter decomposes into non-starters next to other marks (U+06D8 U+FF9E must
    /// become U+3099 U+06D8 under NFKD), so a result that is not canonically ordered is redone as
    /// decompose → reorder → compose.
    private static func unicodeNormalized(_ text: String, compatibility: Bool, composes: Bool) -> String {
        let quick: String
        switch (compatibility, composes) {
        case (false, true): quick = text.precomposedStringWithCanonicalMapping
        case (true, true): quick = text.precomposedStringWithCompatibilityMapping
        case (false, false): quick = text.decomposedStringWithCanonicalMapping
        case (true, false): quick = text.decomposedStringWithCompatibilityMapping
        }
        if isCanonicallyOrdered(quick) { return quick }
        var scalars = Array((compatibility ? text.decomposedStringWithCompatibilityMapping : text.decomposedStringWithCanonicalMapping).unicodeScalars)
        reorderCanonically(&scalars)
        let decomposed = String(String.UnicodeScalarView(scalars))
        return composes ? decomposed.precomposedStringWithCanonicalMapping : decomposed
    }

    private static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        scalar.value < 0x300 ? 0 : scalar.properties.canonicalCombiningClass.rawValue
    }

    /// Whether no mark is followed by a mark of a lower non-zero combining class.
    private static func isCanonicallyOrdered(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for scalar in text.unicodeScalars {
            let current = combiningClass(scalar)
            if current != 0 && previous > current { return false }
            previous = current
        }
        return true
    }

    /// Stable-sorts each run of non-starters by combining class (the Unicode canonical ordering algorithm).
    private static func reorderCanonically(_ scalars: inout [Unicode.Scalar]) {
        var start = 0
        while start < scalars.count {
            guard combiningClass(scalars[start]) != 0 else { start += 1; continue }
            var end = start
            while end < scalars.count && combiningClass(scalars[end]) != 0 { end += 1 }
            if end - start > 1 {
                let run = scalars[start..<end].enumerated().sorted {
                    (combiningClass($0.element), $0.offset) < (combiningClass($1.element), $1.offset)
                }
                scalars.replaceSubrange(start..<end, with: run.map(\.element))
            }
            start = end
        }
    }
}

/// The `pattern` of a Replace normalizer or Split pre-tokenizer: a literal string, or one of the simple
/// regexes tokenizer files use (`X+`, `X*`, `X{n,}`, `X{n,m}` where X is a literal character or `\s`).
struct ReplacePattern: Sendable {
    enum Atom: Sendable { case literal(Unicode.Scalar), whitespace }
    private let literal: [Unicode.Scalar]?
    private let atom: Atom
    private let minimum: Int
    private let maximum: Int

    static func parse(_ node: JSONNode) throws -> ReplacePattern {
        if !node["String"].isNull {
            let string = try node["String"].string()
            guard !string.isEmpty else { throw node["String"].fail("empty pattern") }
            return ReplacePattern(literal: Array(string.unicodeScalars), atom: .whitespace, minimum: 0, maximum: 0)
        }
        let source = try node["Regex"].string()
        var scalars = Array(source.unicodeScalars)[...]
        let atom: Atom
        if scalars.starts(with: "\\s".unicodeScalars) { atom = .whitespace; scalars = scalars.dropFirst(2) }
        else if let first = scalars.first, !"\\[](){}|.*+?^$".unicodeScalars.contains(first) { atom = .literal(first); scalars = scalars.dropFirst() }
        else { throw node["Regex"].unsupported("regex \(source.debugDescription)") }
        let quantifier = String(String.UnicodeScalarView(scalars))
        var bounds: (Int, Int)? = nil
        switch quantifier {
        case "": bounds = (1, 1)
        case "+": bounds = (1, Int.max)
        default:
            if quantifier.hasPrefix("{"), quantifier.hasSuffix("}") {
                let parts = quantifier.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                if parts.count == 1, let exact = Int(parts[0]) { bounds = (exact, exact) }
                else if parts.count == 2, let low = Int(parts[0]) { bounds = (low, parts[1].isEmpty ? Int.max : Int(parts[1]) ?? -1) }
            }
        }
        guard let (low, high) = bounds, low >= 1, high >= low else { throw node["Regex"].unsupported("regex \(source.debugDescription)") }
        return ReplacePattern(literal: nil, atom: atom, minimum: low, maximum: high)
    }

    private func matches(_ scalar: Unicode.Scalar) -> Bool {
        switch atom {
        case .whitespace: return CharacterClass.isWhitespace(scalar)
        case .literal(let literal): return scalar == literal
        }
    }

    /// Leftmost, greedy, non-overlapping matches as scalar-index ranges.
    func matches(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = 0
        if let literal {
            while index + literal.count <= scalars.count {
                if scalars[index..<index + literal.count].elementsEqual(literal) {
                    result.append(index..<index + literal.count); index += literal.count
                } else { index += 1 }
            }
            return result
        }
        while index < scalars.count {
            guard matches(scalars[index]) else { index += 1; continue }
            var end = index
            while end < scalars.count && end - index < maximum && matches(scalars[end]) { end += 1 }
            if end - index >= minimum { result.append(index..<end); index = end } else { index += 1 }
        }
        return result
    }

    func replaceAll(in text: String, with content: String) -> String {
        let scalars = Array(text.unicodeScalars)
        let found = matches(in: scalars)
        if found.isEmpty { return text }
        var result = UTF8Builder(capacity: text.utf8.count)
        var position = 0
        for range in found {
            result.append(contentsOf: scalars[position..<range.lowerBound])
            result.append(contentsOf: content.unicodeScalars)
            position = range.upperBound
        }
        result.append(contentsOf: scalars[position...])
        return result.string
    }
}
