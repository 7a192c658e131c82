// Mirrors pycocoevalcap's PTBTokenizer: Stanford CoreNLP 3.4.1 `PTBTokenizer -preserveLines -lowerCase`
// followed by its punctuation filter.

/// Caption normalisation as the COCO caption evaluation code does it before BLEU and ROUGE-L.
///
/// pycocoevalcap pipes every caption through Stanford's Java PTB lexer and then drops the tokens
/// `'' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;`. This is a pure-Swift reimplementation of
/// the part of that lexer that captions exercise:
/// - lower-casing; words of letters, digits and combining marks;
/// - hyphenated words, decimal numbers (`3.5`, `.5`, `-5`), `1,000`, `12:30`, `1/2`, `and/or`, e-mail-like
///   words and acronyms (`u.s.a.`) stay one token; known abbreviations keep their period (`mr.`, `etc.`);
/// - contractions split (`doesn't` → `does n't`, `he's` → `he 's`, `cannot` → `can not`, `gonna` → `gon na`),
///   while apostrophe words (`o'clock`, `ma'am`, `'em`, `'80s`) stay whole, and `rock'n'roll` → `rock 'n' roll`;
/// - curly quotes and apostrophes are folded to ASCII, `…` to `...`, dashes to `--`, `€` to `$`, `£` to `#`;
/// - brackets become `-lrb-`/`-rrb-`, `-lsb-`/`-rsb-`, `-lcb-`/`-rcb-` and are *kept* (the drop list is upper-case);
/// - runs of `?`/`!` longer than one (`?!`, `!!!`) are kept as one token, as the Java lexer does;
/// - hashtags are `#` plus letters (`#T-shirt` → `#t shirt`), signed numbers are digits with inner `.,:`
///   (`-50/50` → `-50 / 50`), smileys are one token (`:)` → `:-rrb-`), `¼ ½ ¾ ⅓ ⅔` become `1/4`-style tokens;
/// - characters outside the Basic Multilingual Plane (emoji) are untokenizable for the Java lexer and vanish.
///
/// Every rule was checked by probing the Java lexer; the fixture corpus (2116 captions) matches it exactly.
/// Known differences, outside that corpus: SGML/XML tags, URLs with `://`, runs of mixed quote marks (`‘“`),
/// a letter after a degree sign at the end of a line, and other punctuation glued between words without spaces
/// (on a deliberately adversarial corpus of such strings about 9% of lines differ).
public struct PTBTokenizer: Sendable {
    /// The tokens pycocoevalcap removes after tokenisation (compared case-sensitively, after lower-casing).
    public static let droppedTokens: Set<String> = [
        "''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";",
    ]

    public init() {}

    /// The normalised caption: kept tokens joined by single spaces, as pycocoevalcap passes them on.
    public func normalize(_ caption: String) -> String {
        tokenize(caption).joined(separator: " ")
    }

    /// The kept tokens of a caption (newlines count as spaces, as pycocoevalcap replaces them).
    public func tokenize(_ caption: String) -> [String] {
        var lexer = PTBLexer(scalars: PTBLexer.prepare(caption))
        return lexer.tokens().map { $0.lowercased() }.filter { !$0.isEmpty && !Self.droppedTokens.contains($0) }
    }
}

/// A hand-written scanner over the prepared scalars of one line.
struct PTBLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    /// Folds the characters the Java lexer normalises and turns separators into plain spaces.
    static func prepare(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xAD: continue  // soft hyphen: deleted
            case 0x2018, 0x2019, 0x201A, 0x201B: result.append("'")
            case 0x201C, 0x201D, 0x201E, 0x201F: result.append("\"")
            case 0x2026: result.append(contentsOf: [".", ".", "."])
            case 0x2013, 0x2014, 0x2015: result.append(contentsOf: ["-", "-"])
            case 0x20AC: result.append("$")
            case 0xA3: result.append("#")
            // The lexer spells out these vulgar fractions as separate tokens ("2½" → "2 1/2"); ⅕, ⅛ … stay.
            case 0xBC: result.append(contentsOf: [" ", "1", "/", "4", " "])
            case 0xBD: result.append(contentsOf: [" ", "1", "/", "2", " "])
            case 0xBE: result.append(contentsOf: [" ", "3", "/", "4", " "])
            case 0x2153: result.append(contentsOf: [" ", "1", "/", "3", " "])
            case 0x2154: result.append(contentsOf: [" ", "2", "/", "3", " "])
            case 0x10000...: result.append(" ")  // UTF-16 surrogate pairs are untokenizable: dropped
            default:
                result.append(isSpace(scalar) ? " " : scalar)
            }
        }
        return result
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.value == 0xA0 || scalar.value < 0x20
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.numericType == .decimal }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool { isLetter(scalar) || isDigit(scalar) || scalar == "_" }

    private func scalar(at index: Int) -> Unicode.Scalar? {
        index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    private func matches(_ index: Int, _ test: (Unicode.Scalar) -> Bool) -> Bool {
        scalar(at: index).map(test) ?? false
    }

    private func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }

    /// Every token of the line, before lower-casing and the punctuation filter.
    mutating func tokens() -> [String] {
        var output: [String] = []
        while position < scalars.count {
            if Self.isSpace(scalars[position]) { position += 1; continue }
            if startsWord(at: position) {
                output.append(contentsOf: word())
            } else {
                output.append(symbol())
            }
        }
        return output
    }

    private func startsWord(at index: Int) -> Bool {
        let current = scalars[index]
        if Self.isAlphanumeric(current) { return true }
        let afterWord = index > 0 && Self.isAlphanumeric(scalars[index - 1])
        switch current {
        case ".", "-", "+": return !afterWord && matches(index + 1, Self.isDigit)
        case "#", "@": return matches(index + 1, Self.isLetter)
        case "'": return apostropheWordLength(at: index) > 0
        default: return false
        }
    }

    /// Length of a word that starts with an apostrophe and stays whole (`'em`, `'cause`, `'til`, `'80s`, `'n'`).
    private func apostropheWordLength(at index: Int) -> Int {
        var end = index + 1
        while matches(end, Self.isAlphanumeric) { end += 1 }
        let body = text((index + 1)..<end).lowercased()
        if matches(end, { $0 == "'" }), body == "n" { return end + 1 - index }
        if ["em", "cause", "til", "till", "tis", "twas"].contains(body) { return end - index }
        // A clitic after a non-letter stands alone: "(left)'s", "U.S.'s" → 's
        if ["s", "m", "d", "ll", "re", "ve"].contains(body) { return end - index }
        if body.count == 3, body.hasSuffix("0s"), let first = body.first, ("2"..."9").contains(first) { return end - index }
        return 0
    }

    /// Scans a word chunk and splits it the way the lexer's contraction rules do.
    private mutating func word() -> [String] {
        let start = position
        if scalars[position] == "#" {  // hashtags are letters only: "#T-shirt" → #t - shirt, "#x2" → #x 2
            position += 1
            while matches(position, Self.isLetter) { position += 1 }
            return [text(start..<position)]
        }
        if "-+.".unicodeScalars.contains(scalars[position]) {
            // A signed or leading-point number is digits and inner [.,:] only: "-50/50" → -50 / 50, "-2nd" → -2 nd.
            position += 1
            while position < scalars.count {
                if Self.isDigit(scalars[position]) {
                    position += 1
                } else if ".,:".unicodeScalars.contains(scalars[position]), matches(position + 1, Self.isDigit) {
                    position += 1
                } else {
                    break
                }
            }
            return [text(start..<position)]
        }
        if scalars[position] == "'" {
            position += apostropheWordLength(at: position)
            let apostropheWord = text(start..<position)  // 'tis → 't is; 'em, 'cause, '80s stay whole
            return Self.splitWords[apostropheWord.lowercased()] == nil ? [apostropheWord] : Self.splitContractions(apostropheWord)
        }
        position += 1
        var joinedNumber = false  // "3.5", "1,000", "12:30": letters right after such a number start a new word
        while position < scalars.count {
            let current = scalars[position]
            if joinedNumber && Self.isLetter(current) && Self.isDigit(scalars[position - 1]) { break }
            if Self.isAlphanumeric(current) { position += 1; continue }
            let previous = scalars[position - 1]
            let nextIndex = position + 1
            let joins: Bool
            switch current {
            case "-":  // "he's-going" → he 's - going: a contraction ends the word
                let lower = text(start..<position).lowercased()
                joins = matches(nextIndex, Self.isAlphanumeric)
                    && !(Self.auxiliarySuffixes + ["n't"]).contains { lower.hasSuffix($0) && lower.count > $0.count }
            case "/", "@": joins = matches(nextIndex, Self.isAlphanumeric)
            case ".": joins = matches(nextIndex, Self.isAlphanumeric)
            case ",", ":": joins = Self.isDigit(previous) && matches(nextIndex, Self.isDigit)
            case "&": joins = previous.properties.isUppercase && matches(nextIndex) { $0.properties.isUppercase }
            case "'": joins = matches(nextIndex, Self.isLetter)
            default: joins = false
            }
            if !joins { break }
            if ".,:".unicodeScalars.contains(current) && Self.isDigit(previous) && matches(nextIndex, Self.isDigit) {
                joinedNumber = true
            }
            position += 1
        }
        var chunk = text(start..<position)
        if matches(position, { $0 == "." }), keepsPeriod(chunk) {
            chunk.append(".")
            position += 1
        }
        return Self.splitContractions(chunk)
    }

    /// Abbreviations whose period the lexer keeps on the word.
    private static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "sgt", "etc", "vs", "inc", "co", "corp", "ltd", "gen",
        "gov", "capt", "col", "lt", "rep", "sen", "rev", "mt", "ft", "ave", "blvd", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "messrs", "esq", "cf", "al", "mo", "dept", "est",
        "ga", "ind", "mich", "sq", "va", "bros", "ph", "ala", "ariz", "calif", "conn", "fla", "kan", "minn", "mont",
        "neb", "nev", "okla", "tenn", "vt", "wis", "wyo", "colo", "ky", "md",
    ]
    /// Abbreviations that keep their period only when capitalised ("Wash." but "wash .").
    private static let capitalizedAbbreviations: Set<String> = ["Wash", "Miss", "Mass", "Ill", "Pa", "La", "Ore", "Tex", "Del"]

    private func keepsPeriod(_ chunk: String) -> Bool {
        let lower = chunk.lowercased()
        if Self.abbreviations.contains(lower) || Self.capitalizedAbbreviations.contains(chunk) { return true }
        if lower == "no" || lower == "nos" {  // "no. 5" keeps the period, "no." before a word does not
            var index = position + 1
            while matches(index, { $0 == " " }) { index += 1 }
            return index > position + 1 && matches(index, Self.isDigit)
        }
        // "b." keeps its period unless a sentence-starting word follows ("plan b. The …" → "b .").
        if chunk.unicodeScalars.count == 1, let letter = chunk.unicodeScalars.first, Self.isLetter(letter) {
            var wordStart = position + 1
            while matches(wordStart, Self.isSpace) { wordStart += 1 }
            var wordEnd = wordStart
            while matches(wordEnd, { !Self.isSpace($0) }) { wordEnd += 1 }
            guard wordStart > position + 1, wordEnd > wordStart else { return true }
            let following = text(wordStart..<wordEnd)
            let capitalised = String(following.prefix(1)) + following.dropFirst().lowercased()
            let isStarter = Self.sentenceStarters.contains(capitalised)
                && (following == capitalised || following == following.uppercased())
            return !isStarter
        }
        // Acronyms with internal periods: u.s, e.g, a.m, u.s.a
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            part.unicodeScalars.count == 1 && Self.isLetter(part.unicodeScalars.first!)
        }
    }

    /// Capitalised words before which the lexer reads a single letter's period as a full stop
    /// (found by probing the Java lexer word by word).
    private static let sentenceStarters: Set<String> = [
        "A", "An", "As", "At", "After", "But", "He", "Her", "Here", "However", "If", "In", "It", "Many", "More",
        "Now", "Once", "One", "Other", "Our", "She", "Since", "So", "Some", "Such", "That", "The", "Their", "Then",
        "There", "These", "They", "This", "We", "What", "When", "While", "Yet", "You", "Last",
    ]

    /// Whole words the lexer splits in two, with the length of the first part.
    private static let splitWords: [String: Int] = [
        "cannot": 3, "gonna": 3, "gotta": 3, "wanna": 3, "lemme": 3, "gimme": 3, "'tis": 2, "'twas": 2,
    ]
    private static let auxiliarySuffixes = ["'s", "'m", "'d", "'ll", "'re", "'ve"]

    /// Splits contractions and the apostrophes of a word chunk.
    static func splitContractions(_ chunk: String) -> [String] {
        let lower = chunk.lowercased()
        let characters = Array(chunk)
        if lower == "n't" { return [chunk] }
        if let head = splitWords[lower], characters.count > head {
            return [String(characters[..<head]), String(characters[head...])]
        }
        // n't splits off ASCII-letter words only ("Zoën't" stays apart at its apostrophe, as in the Java lexer).
        if lower.hasSuffix("n't"), characters.count > 3, characters.dropLast(3).allSatisfy({ $0.isASCII && $0.isLetter }) {
            return splitContractions(String(characters.dropLast(3))) + [String(characters.suffix(3))]
        }
        for suffix in auxiliarySuffixes where lower.hasSuffix(suffix) && characters.count > suffix.count {
            return splitContractions(String(characters.dropLast(suffix.count))) + [String(characters.suffix(suffix.count))]
        }
        guard let apostrophe = characters.firstIndex(of: "'") else { return [chunk] }
        // rock'n'roll → rock 'n' roll
        if apostrophe + 2 < characters.count, characters[apostrophe + 2] == "'",
           String(characters[apostrophe + 1]).lowercased() == "n" {
            let rest = String(characters[(apostrophe + 3)...])
            return [String(characters[..<apostrophe]), String(characters[apostrophe...(apostrophe + 2)])]
                + (rest.isEmpty ? [] : splitContractions(rest))
        }
        if apostrophe > 0, apostrophe + 2 == characters.count, characters[apostrophe + 1] == "n" {
            return [String(characters[..<apostrophe]), "'n"]  // rock'n roll → rock 'n roll
        }
        let isYall = apostrophe == 1 && "yY".contains(characters[0])
        if !isYall, keepsApostrophe(characters, at: apostrophe) {
            guard let next = characters[(apostrophe + 1)...].firstIndex(of: "'") else { return [chunk] }
            return [String(characters[..<next])] + splitContractions(String(characters[next...]))
        }
        let before = String(characters[..<apostrophe])
        let after = String(characters[(apostrophe + 1)...])
        let rest = after.isEmpty ? [] : splitContractions(after)
        if before.lowercased() == "y" { return [before + "'"] + rest }  // y'all → y' all
        return (before.isEmpty ? [] : [before]) + ["'"] + rest
    }

    /// The lexer's apostrophe words: `o'clock`, `O'Neil`, `d'Artagnan` (one letter before, two or more after)
    /// and `ma'am` (a vowel before, a vowel or capital after).
    private static func keepsApostrophe(_ characters: [Character], at index: Int) -> Bool {
        let before = characters[..<index]
        let lettersAfter = characters[(index + 1)...].prefix { $0.isLetter }
        guard let last = before.last, let first = lettersAfter.first else { return false }
        if before.count == 1, last.isLetter, !"IiYy".contains(last), lettersAfter.count >= 2 { return true }
        return "aeiouyAEIOUY".contains(last) && ("aeiouAEIOU".contains(first) || first.isUppercase)
    }

    /// Scans one punctuation or symbol token.
    private mutating func symbol() -> String {
        let current = scalars[position]
        func runLength(of scalar: Unicode.Scalar) -> Int {
            var end = position
            while matches(end, { $0 == scalar }) { end += 1 }
            return end - position
        }
        if ":;=".unicodeScalars.contains(current), matches(position + 1, { $0 == "(" || $0 == ")" }) {
            // Smileys are one token, their bracket spelled the PTB way: ":)" → ":-RRB-".
            let bracket = scalars[position + 1] == "(" ? "-LRB-" : "-RRB-"
            position += 2
            return String(current) + bracket
        }
        switch current {
        case "?", "!":
            let start = position
            while matches(position, { $0 == "?" || $0 == "!" }) { position += 1 }
            return text(start..<position)
        case ".":
            let length = runLength(of: ".")
            position += length >= 3 ? 3 : 1
            return length >= 3 ? "..." : "."
        case "-":
            let length = runLength(of: "-")
            position += min(length, 2)
            return length >= 2 ? "--" : "-"
        case "#" where matches(position + 1) { $0 == "#" }:
            let length = runLength(of: "#")
            position += length
            return String(repeating: "#", count: length)
        case "*":
            let length = runLength(of: "*")
            position += length
            return String(repeating: "*", count: length)
        case "\"":
            let opening = position == 0 || Self.isSpace(scalars[position - 1])
                || "([{".unicodeScalars.contains(scalars[position - 1])
            position += 1
            return opening ? "``" : "''"
        case "'":
            if matches(position + 1, { $0 == "'" }) { position += 2; return "''" }  // it''s → it '' s
            let opening = position == 0 || Self.isSpace(scalars[position - 1])
            position += 1
            return opening ? "`" : "'"
        case "(": position += 1; return "-LRB-"
        case ")": position += 1; return "-RRB-"
        case "[": position += 1; return "-LSB-"
        case "]": position += 1; return "-RSB-"
        case "{": position += 1; return "-LCB-"
        case "}": position += 1; return "-RCB-"
        default:
            position += 1
            return String(current)
        }
    }
}
