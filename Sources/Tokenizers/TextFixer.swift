// Mirrors ftfy 6.3.1's fix_text with its default TextFixerConfig (__init__.py, fixes.py): the text is
// fixed line by line, and each line goes through the fixers in ftfy's order until nothing changes.

/// Repairs text the way `ftfy.fix_text(text)` does with its defaults, which is how diffusers' Wan
/// pipeline cleans every prompt before the umT5 encoder sees it.
///
/// Steps, per segment (a line including its "\n", at most 1,000,000 code points), repeated until the
/// segment stops changing: decode HTML entities (`&amp;`, `&#x2019;`; skipped from the first segment
/// containing "<" on, as ftfy's "auto" does), fix mojibake (text encoded as UTF-8 and decoded in a
/// single-byte encoding, judged by ftfy's badness heuristic), replace C1 controls by their Windows-1252
/// characters, split Latin ligatures, map full/half-width forms to normal width, straighten curly
/// quotes, turn "\r\n", "\r", U+2028 and U+2029 into "\n" (U+0085 too, but the C1 fix has already
/// made a lone one "…"), remove ANSI terminal escapes and invisible control characters, and apply NFC.
/// Of the C0 controls only tab, LF and FF survive (CR becomes LF).
///
/// Swift strings cannot hold unpaired UTF-16 surrogates, so ftfy's `fix_surrogates` has nothing to do
/// here: a well-formed pair is already one scalar. The one known divergence is outside what real
/// prompts contain: for characters assigned after Unicode 14 (Python 3.11's tables), NFC and the
/// `\w`/`\d` classes follow Swift's newer Unicode data.
///
///     TextFixer().fix("the cat’s ﬁsh &amp; ＬＯＵＤ") // "the cat's fish & LOUD"
public struct TextFixer: Sendable {
    /// The longest segment fixed in one piece (`max_decode_length`).
    public static let maxDecodeLength = 1_000_000

    public init() {}

    /// `ftfy.fix_text(text)`.
    public func fix(_ text: String) -> String {
        let scalars = text.unicodeScalars.map(\.value)
        var builder = UTF8Builder(capacity: text.utf8.count)
        var unescapesHTML = true
        var position = 0
        while position < scalars.count {
            var end = scalars[position...].firstIndex(of: 0x0A).map { $0 + 1 } ?? scalars.count
            end = min(end, position + Self.maxDecodeLength)
            let segment = Array(scalars[position..<end])
            // "auto": once a segment looks like real HTML, ftfy keeps entities for the rest of the text.
            if unescapesHTML && segment.contains(0x3C) { unescapesHTML = false }
            for value in Self.fixSegment(segment, unescapesHTML: unescapesHTML) {
                builder.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            }
            position = end
        }
        return builder.string
    }

    /// `fix_and_explain` without the explanation.
    static func fixSegment(_ segment: [UInt32], unescapesHTML: Bool) -> [UInt32] {
        var text = segment
        while true {
            let original = text
            if unescapesHTML { text = unescapeHTML(text) }
            text = fixEncoding(text)
            text = fixC1Controls(text)
            text = translated(text, ligatures)
            text = translated(text, widthMap)
            text = uncurlQuotes(text)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text.removeAll(where: isRemovedControl)
            text = normalizedNFC(text)
            if text == original { return text }
        }
    }

    static func string<Values: Sequence>(_ values: Values) -> String where Values.Element == UInt32 {
        var builder = UTF8Builder()
        for value in values { builder.append(Unicode.Scalar(value) ?? "\u{FFFD}") }
        return builder.string
    }

    /// `str.translate` with a table of replacements.
    static func translated(_ text: [UInt32], _ table: [UInt32: [UInt32]]) -> [UInt32] {
        guard text.contains(where: { table[$0] != nil }) else { return text }
        var output: [UInt32] = []
        output.reserveCapacity(text.count + 8)
        for value in text {
            if let replacement = table[value] { output.append(contentsOf: replacement) } else { output.append(value) }
        }
        return output
    }

    static func normalizedNFC(_ text: [UInt32]) -> [UInt32] {
        guard text.contains(where: { $0 >= 0x80 }) else { return text }
        return Normalizer.nfc.apply(string(text)).unicodeScalars.map(\.value)
    }

    /// `LIGATURES`: Latin typographic ligatures and legacy digraphs, but not letters such as "æ".
    static let ligatures: [UInt32: [UInt32]] = [
        0x0132: [0x49, 0x4A], 0x0133: [0x69, 0x6A], 0x0149: [0x02BC, 0x6E],
        0x01F1: [0x44, 0x5A], 0x01F2: [0x44, 0x7A], 0x01F3: [0x64, 0x7A],
        0x01C4: [0x44, 0x017D], 0x01C5: [0x44, 0x017E], 0x01C6: [0x64, 0x017E],
        0x01C7: [0x4C, 0x4A], 0x01C8: [0x4C, 0x6A], 0x01C9: [0x6C, 0x6A],
        0x01CA: [0x4E, 0x4A], 0x01CB: [0x4E, 0x6A], 0x01CC: [0x6E, 0x6A],
        0xFB00: [0x66, 0x66], 0xFB01: [0x66, 0x69], 0xFB02: [0x66, 0x6C], 0xFB03: [0x66, 0x66, 0x69],
        0xFB04: [0x66, 0x66, 0x6C], 0xFB05: [0x017F, 0x74], 0xFB06: [0x73, 0x74],
    ]

    /// `WIDTH_MAP`: U+3000 and the NFKC forms of U+FF01...U+FFEF.
    static let widthMap: [UInt32: [UInt32]] = {
        var table: [UInt32: [UInt32]] = [:]
        for line in TextFixerTables.widthMap {
            for entry in line.split(separator: " ") {
                let parts = entry.split(separator: ":")
                guard parts.count == 2, let key = UInt32(parts[0], radix: 16) else { continue }
                table[key] = parts[1].split(separator: "+").compactMap { UInt32($0, radix: 16) }
            }
        }
        return table
    }()

    /// `uncurl_quotes`: U+02BC and U+2018...U+201B become "'", U+201C...U+201F become '"'.
    static func uncurlQuotes(_ text: [UInt32]) -> [UInt32] {
        text.map { value in
            switch value {
            case 0x02BC, 0x2018...0x201B: return 0x27
            case 0x201C...0x201F: return 0x22
            default: return value
            }
        }
    }

    /// `fix_line_breaks`: "\r\n" first, then lone "\r", U+2028, U+2029 and U+0085, each to "\n".
    static func fixLineBreaks(_ text: [UInt32]) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            let value = text[position]
            position += 1
            switch value {
            case 0x0D:
                if position < text.count, text[position] == 0x0A { position += 1 }
                output.append(0x0A)
            case 0x2028, 0x2029, 0x85: output.append(0x0A)
            default: output.append(value)
            }
        }
        return output
    }

    /// `remove_terminal_escapes`: `\033\[((?:\d|;)*)([a-zA-Z])`, where `\d` is any Unicode decimal digit.
    static func removeTerminalEscapes(_ text: [UInt32]) -> [UInt32] {
        guard text.contains(0x1B) else { return text }
        var output: [UInt32] = []
        output.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            if text[position] == 0x1B, position + 1 < text.count, text[position + 1] == 0x5B {
                var cursor = position + 2
                while cursor < text.count, text[cursor] == 0x3B || PythonUnicode.isDecimalDigit(text[cursor]) { cursor += 1 }
                if cursor < text.count, (0x41...0x5A).contains(text[cursor]) || (0x61...0x7A).contains(text[cursor]) {
                    position = cursor + 1
                    continue
                }
            }
            output.append(text[position])
            position += 1
        }
        return output
    }

    /// `CONTROL_CHARS`: C0 controls but tab, LF, FF and CR; DEL; deprecated format characters
    /// U+206A...U+206F; the byte-order mark; interlinear annotation marks U+FFF9...U+FFFC.
    static func isRemovedControl(_ value: UInt32) -> Bool {
        switch value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }
}
