// Mirrors ftfy 6.3.1's use of Python 3.11's html.unescape (Lib/html/__init__.py), and ftfy's own
// unescape_html (fixes.py), which only decodes complete `&name;` / `&#num;` references.

/// Python's `html.unescape`: HTML5 named references (with the standard's rule that a few names also
/// match without the semicolon, longest prefix first), and numeric references with the HTML5 fix-ups
/// for Windows-1252 C1 positions, surrogates and noncharacters.
///
/// Not reproduced: Python raises `ValueError` on a decimal reference of more than 4,300 digits (its
/// int-parsing limit); here such a reference becomes U+FFFD like any other out-of-range number.
public enum PythonHTML {
    /// `html.unescape(text)`.
    public static func unescape(_ text: String) -> String {
        guard text.utf8.contains(0x26) else { return text }
        return TextFixer.string(unescape(text.unicodeScalars.map(\.value)))
    }

    /// Names (with or without the trailing ";") to their replacement code points.
    static let html5: [String: [UInt32]] = parseEntityTable(html5Entities)

    static func parseEntityTable(_ lines: [String]) -> [String: [UInt32]] {
        var table: [String: [UInt32]] = [:]
        for line in lines {
            for entry in line.split(separator: " ") {
                guard let colon = entry.lastIndex(of: ":") else { continue }
                let values = entry[entry.index(after: colon)...].split(separator: "+").compactMap { UInt32($0, radix: 16) }
                table[String(entry[..<colon])] = values
            }
        }
        return table
    }

    static func unescape(_ text: [UInt32]) -> [UInt32] {
        guard text.contains(0x26) else { return text }
        var output: [UInt32] = []
        output.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            if text[position] == 0x26, let (end, replacement) = characterReference(in: text, at: position) {
                output.append(contentsOf: replacement)
                position = end
            } else {
                output.append(text[position])
                position += 1
            }
        }
        return output
    }

    private static func isASCIIDigit(_ value: UInt32) -> Bool { (0x30...0x39).contains(value) }
    private static func isHexDigit(_ value: UInt32) -> Bool {
        isASCIIDigit(value) || (0x41...0x46).contains(value) || (0x61...0x66).contains(value)
    }

    /// `_charref` = `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` at `start`, replaced as
    /// `_replace_charref` does. Returns the end of the match and its replacement.
    private static func characterReference(in text: [UInt32], at start: Int) -> (Int, [UInt32])? {
        let count = text.count
        var position = start + 1
        guard position < count else { return nil }
        if text[position] == 0x23 {  // "#": numeric reference, decimal first then hexadecimal
            position += 1
            var digitsStart = position
            var radix: UInt32 = 10
            if position < count, isASCIIDigit(text[position]) {
                while position < count, isASCIIDigit(text[position]) { position += 1 }
            } else if position < count, text[position] == 0x78 || text[position] == 0x58 {
                position += 1
                digitsStart = position
                radix = 16
                while position < count, isHexDigit(text[position]) { position += 1 }
                guard position > digitsStart else { return nil }
            } else {
                return nil
            }
            var number: UInt32 = 0
            for digit in text[digitsStart..<position] {
                let value = digit <= 0x39 ? digit - 0x30 : (digit | 0x20) - 0x61 + 10
                // Anything past U+10FFFF maps to U+FFFD, so saturating keeps the outcome.
                number = min(number * radix + value, 0x110000)
            }
            if position < count, text[position] == 0x3B { position += 1 }
            return (position, numericReplacement(number))
        }
        // Named: up to 32 characters other than tab, LF, FF, space, "<", "&", "#", ";".
        var end = position
        while end < count, end - position < 32 {
            switch text[end] {
            case 0x09, 0x0A, 0x0C, 0x20, 0x3C, 0x26, 0x23, 0x3B: break
            default: end += 1; continue
            }
            break
        }
        guard end > position else { return nil }
        if end < count, text[end] == 0x3B { end += 1 }
        let name = Array(text[position..<end])
        if let value = html5[TextFixer.string(name)] { return (end, value) }
        // The longest prefix of at least two characters that is a known name, as the standard says.
        var length = name.count - 1
        while length > 1 {
            if let value = html5[TextFixer.string(name[..<length])] { return (end, value + name[length...]) }
            length -= 1
        }
        return (end, [0x26] + name)
    }

    private static let invalidCharacterReferences: [UInt32: UInt32] = [
        0x00: 0xFFFD, 0x0D: 0x0D, 0x80: 0x20AC, 0x81: 0x81, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E,
        0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039,
        0x8C: 0x0152, 0x8D: 0x8D, 0x8E: 0x017D, 0x8F: 0x8F, 0x90: 0x90, 0x91: 0x2018, 0x92: 0x2019,
        0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122,
        0x9A: 0x0161, 0x9B: 0x203A, 0x9C: 0x0153, 0x9D: 0x9D, 0x9E: 0x017E, 0x9F: 0x0178,
    ]

    private static func numericReplacement(_ number: UInt32) -> [UInt32] {
        if let value = invalidCharacterReferences[number] { return [value] }
        if (0xD800...0xDFFF).contains(number) || number > 0x10FFFF { return [0xFFFD] }
        // `_invalid_codepoints`: C0 controls but tab/LF/FF/CR, DEL and C1, U+FDD0...U+FDEF, and the
        // two noncharacters at the end of every plane.
        switch number {
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return []
        default: return number & 0xFFFE == 0xFFFE ? [] : [number]
        }
    }
}

extension TextFixer {
    /// ftfy's `HTML_ENTITIES`: "name;" for every HTML5 name with a semicolon, plus upper-cased
    /// spellings (`&EACUTE;`) of lowercase names when Python itself would leave them alone.
    static let entities: [String: [UInt32]] = {
        var table = PythonHTML.html5.filter { $0.key.hasSuffix(";") }
        table.merge(PythonHTML.parseEntityTable(TextFixerTables.ftfyUppercaseEntities)) { _, upper in upper }
        return table
    }()

    /// ftfy's `unescape_html`: `&#?[0-9A-Za-z]{1,24};` replaced when it is a known entity, or a numeric
    /// reference that Python decodes without leaving a ";" behind.
    static func unescapeHTML(_ text: [UInt32]) -> [UInt32] {
        guard text.contains(0x26) else { return text }
        var output: [UInt32] = []
        output.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            guard text[position] == 0x26 else { output.append(text[position]); position += 1; continue }
            var cursor = position + 1
            if cursor < text.count, text[cursor] == 0x23 { cursor += 1 }
            let nameStart = cursor
            while cursor < text.count, cursor - nameStart <= 24, isASCIIAlphanumeric(text[cursor]) { cursor += 1 }
            let length = cursor - nameStart
            guard length >= 1, length <= 24, cursor < text.count, text[cursor] == 0x3B else {
                output.append(text[position]); position += 1; continue
            }
            let match = Array(text[position...cursor])
            position = cursor + 1
            if let value = entities[string(match[1...])] {
                output.append(contentsOf: value)
            } else if match[1] == 0x23 {
                let unescaped = PythonHTML.unescape(match)
                output.append(contentsOf: unescaped.contains(0x3B) ? match : unescaped)
            } else {
                output.append(contentsOf: match)
            }
        }
        return output
    }

    private static func isASCIIAlphanumeric(_ value: UInt32) -> Bool {
        (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
    }
}
