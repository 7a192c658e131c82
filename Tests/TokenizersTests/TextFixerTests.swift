import Foundation
import Testing
@testable import Tokenizers

/// One corpus string and the reference outputs recorded by scripts/fixtures/text_fixer.py.
struct TextFixerCase: Sendable {
    let input: String
    let fixed: String
    let cleaned: String

    /// Reads `text_fixer.json`: rows `[input, fix_text?, prompt_clean?]`, outputs as `[p, s, middle]` edits.
    static func load(_ url: URL) throws -> [TextFixerCase] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let rows = try #require(root["cases"] as? [[Any]])
        return try rows.map { row in
            let input = try #require(row[0] as? String)
            let fixed = try row.count > 1 ? apply(row[1], to: input) : input
            let cleaned = try row.count > 2 ? apply(row[2], to: input) : fixed
            return TextFixerCase(input: input, fixed: fixed, cleaned: cleaned)
        }
    }

    private static func apply(_ edit: Any, to input: String) throws -> String {
        guard let parts = edit as? [Any] else { return input }  // null: unchanged
        let prefix = try #require(parts[0] as? Int)
        let suffix = try #require(parts[1] as? Int)
        let middle = try #require(parts[2] as? String)
        let scalars = Array(input.unicodeScalars)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[..<prefix])
        result.append(contentsOf: middle.unicodeScalars)
        result.append(contentsOf: scalars[(scalars.count - suffix)...])
        return String(result)
    }
}

/// Escapes a string so mismatches are readable in the test log.
func debugScalars(_ text: String) -> String {
    text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
}

@Suite("TextFixer (ftfy.fix_text)")
struct TextFixerTests {
    static func corpus() throws -> [TextFixerCase] {
        try TextFixerCase.load(try #require(Bundle.module.url(forResource: "Fixtures/text_fixer", withExtension: "json")))
    }

    // Every corpus string fixes to exactly what ftfy 6.3.1's fix_text returned for it.
    @Test func matchesFtfyOnTheReferenceCorpus() throws {
        let cases = try Self.corpus()
        #expect(cases.count >= 3000)
        let fixer = TextFixer()
        var mismatches: [String] = []
        for item in cases {
            let fixed = fixer.fix(item.input)
            if fixed != item.fixed {
                mismatches.append("\(debugScalars(item.input)) -> \(debugScalars(fixed)), expected \(debugScalars(item.fixed))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.prefix(25).joined(separator: "\n"))")
    }

    // The examples from ftfy's own documentation come out as documented.
    @Test func documentedExamples() {
        let fixer = TextFixer()
        #expect(fixer.fix("âœ” No problems") == "✔ No problems")
        #expect(fixer.fix("&macr;\\_(ã\u{83}\u{84})_/&macr;") == "¯\\_(ツ)_/¯")
        // ftfy's docstring shows "..." for the next one, but 6.3.1 itself returns the ellipsis character.
        #expect(fixer.fix("Broken text&hellip; it&#x2019;s ﬂubberiﬁc!") == "Broken text… it's flubberific!")
        #expect(fixer.fix("ＬＯＵＤ　ＮＯＩＳＥＳ") == "LOUD NOISES")
        #expect(fixer.fix("sÃ³") == "só")
        #expect(fixer.fix("voilÃ le travail") == "voilà le travail")
        #expect(fixer.fix("the cat’s “toy”") == "the cat's \"toy\"")
    }

    // Once a line contains "<", entities stay as they are from there on, as ftfy's "auto" mode does.
    @Test func htmlEntitiesAreKeptFromTheFirstLineThatLooksLikeHTML() {
        #expect(TextFixer().fix("&amp;\n<b>&amp;</b>\n&amp;") == "&\n<b>&amp;</b>\n&amp;")
    }

    // Line breaks become "\n" (a lone U+0085 is "…" by then), invisible controls go, tab and form feed stay.
    @Test func lineBreaksAndControls() {
        #expect(TextFixer().fix("a\r\nb\rc\u{2028}d\u{85}e") == "a\nb\nc\nd…e")
        #expect(TextFixer().fix("a\u{0}b\u{7}\u{FEFF}c\td\u{0C}e") == "abc\td\u{0C}e")
        #expect(TextFixer().fix("\u{1B}[1;31mred\u{1B}[0m") == "red")
    }

    // Python's html.unescape: semicolon-less prefixes, numeric fix-ups, and unknown names kept.
    @Test func pythonHTMLUnescape() {
        #expect(PythonHTML.unescape("&amp;amp; &notit; &#128; &#0; &#x110000; &#xFFFE; &bogus; &") == "&amp; ¬it; € \u{FFFD} \u{FFFD}  &bogus; &")
    }

    // Fixing a long single-line text takes time linear in its length.
    @Test func longInputIsFixedInOnePassPerStep() {
        let text = String(repeating: "the cat’s ﬁsh — naïve café ", count: 4000)
        let fixed = TextFixer().fix(text)
        #expect(fixed == String(repeating: "the cat's fish — naïve café ", count: 4000))
    }
}
