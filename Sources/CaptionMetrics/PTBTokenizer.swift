// Mirrors pycocoevalcap's PTBTokenizer: Stanford CoreNLP 3.4.1 `PTBTokenizer -preserveLines -lowerCase` plus its punctuation filter.

/// Caption normalisation as the COCO caption evaluation code does it before BLEU and ROUGE-L.
///
/// pycocoevalcap pipes every caption through Stanford's Java PTB lexer and then drops the tokens
/// `'' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;`. This is a pure-Swift reimplementation of
/// that lexer, rule by rule as found by probing the Java lexer (`PTBLexerInput.swift` reads the line,
/// `PTBLexerRules.swift` has the punctuation, quote, contraction and abbreviation rules, `PTBLexerLinks.swift`
/// URLs, e-mail addresses and phone numbers); where several rules match, the longest match wins, as in JFlex:
/// - lower-casing; words of letters, digits and combining marks;
/// - hyphenated words (`U.S.-based`), numbers (`3.5`, `.5`, `-5`, `+5`, `,5`, `1,000`, `12:30`), fractions
///   (`1/2`, `3-1/2`, `3 1/2`), `and/or`, `AT&T`, acronyms (`u.s.a.`) stay one token; abbreviations keep their
///   period (`mr.`, `etc.`, `ph.d.`, `rail.` before `, ; :`);
/// - contractions split (`doesn't` → `does n't`, `he’s` → `he 's`, `cannot` → `can not`, `gonna` → `gon na`),
///   while apostrophe words (`o'clock`, `ma'am`, `'em`, `'80s`, `ol'`, `y'`) stay whole and `rock'n'roll` →
///   `rock 'n' roll`;
/// - quotes become LaTeX quotes, up to two curly quotes or guillemets making one token (`“‘` → ```` ``` ````);
///   `"` opens before a letter, digit or `$` and closes otherwise; `…` and runs of 3+ periods are `...`;
///   `—`, `–` and `&mdash;` are `--`;
/// - `&amp; &lt; &gt; &quot; &apos; &nbsp;` are decoded, `&#39;`-style entities are tokens of their own;
/// - brackets become `-lrb-`/`-rrb-`, `-lsb-`/`-rsb-`, `-lcb-`/`-rcb-` and are *kept* (the drop list is upper-case);
/// - runs of `?`/`!` are one token, as are smileys (`:-)` → `:--rrb-`), SGML tags (`<a href="x">`), URLs,
///   e-mail addresses, phone numbers, `US$`, `C#`, `\*` and runs of five or more `-`; spaces inside a token
///   print as no-break spaces, as Java prints them;
/// - `€ ¤` become `$`, `£` is `#`, `¢` is `cents`, `¼ ½ ¾ ⅓ ⅔` are `1/4`-style tokens;
/// - characters the Java lexer cannot tokenize (emoji and other non-BMP characters, zero-width spaces, `‒`,
///   most currency signs) vanish.
///
/// The Java lexer looks across line ends: a single letter and a period keep together unless whitespace, a
/// sentence-starting word and whitespace follow — and pycocoevalcap puts all captions of a call on lines of
/// one input, so that can be the *next* caption's first word. ``normalize(batch:)`` reproduces a whole call
/// (captions in the order pycocoevalcap joins them); ``normalize(_:)`` treats a caption as a line followed
/// by a neutral one. Known differences, all far from real captions (see
/// `scripts/fixtures/ptb_adversarial.py`): entities that Java reads as their characters outside links
/// (`&quot;` inside a word), soft hyphens between a letter and a digit, and a few glued forms
/// (`the7/11-3.5`, `c'estShe`, `rock'n'Rolln't`).
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
        kept(PTBLexer(caption, context: .neutral))
    }

    /// Normalised captions exactly as one pycocoevalcap `tokenize` call gives them, `captions` being in the
    /// order it joins them (image by image, each image's captions in order).
    public func normalize(batch captions: [String]) -> [String] {
        tokenize(batch: captions).map { $0.joined(separator: " ") }
    }

    /// The kept tokens of each caption of one pycocoevalcap `tokenize` call (see ``normalize(batch:)``).
    public func tokenize(batch captions: [String]) -> [[String]] {
        // The first word of the next non-blank line, found from the end so the whole batch is one pass.
        var contexts = [PTBLexer.LineContext](repeating: .neutral, count: captions.count)
        var next: PTBLexer.LineContext.Word? = nil
        for index in captions.indices.reversed() {
            contexts[index] = PTBLexer.LineContext(lineFollows: index < captions.count - 1, nextWord: next)
            next = PTBLexer.firstWord(of: captions[index], lineFollows: index < captions.count - 1) ?? next
        }
        return zip(captions, contexts).map { kept(PTBLexer($0, context: $1)) }
    }

    private func kept(_ lexer: PTBLexer) -> [String] {
        var lexer = lexer
        return lexer.tokens().map { $0.lowercased() }.filter { !$0.isEmpty && !Self.droppedTokens.contains($0) }
    }
}

/// A hand-written scanner over one line.
///
/// `scalars` is what the rules look at (curly apostrophes read as `'`, entities decoded, separators as spaces);
/// `raw` is what tokens are spelled with, one to one with `scalars` (`o’clock` keeps its curly apostrophe).
struct PTBLexer {
    let scalars: [Unicode.Scalar]
    let raw: [Unicode.Scalar]
    /// Every entity as written (`&#39;`, `&eacute;`, `&amp;`), by the position of the scalar it became.
    let literals: [Int: String]
    var position = 0

    /// Placeholder for an entity that is a token of its own.
    static let literalMark: Unicode.Scalar = "\u{E000}"
    /// Placeholder for a letter entity (`&eacute;`), a token of its own that also joins words.
    static let letterMark: Unicode.Scalar = "\u{E001}"

    /// Whether `raw` spells itself: no entity tokens and no soft hyphens (letters inside words, never printed).
    let plain: Bool

    /// What the lexer can see past the end of this line (its trailing-context rules read across line ends).
    struct LineContext {
        /// The first word of a later line, and whether whitespace follows it there.
        struct Word { let text: String; let followedBySpace: Bool }
        /// Whether a newline ends this line (false for the last line of the input).
        let lineFollows: Bool
        /// The first word of the next line that is not blank, if any.
        let nextWord: Word?
        /// A line followed by a line holding a lower-case word (nothing reads across it).
        static let neutral = LineContext(lineFollows: true, nextWord: Word(text: "x", followedBySpace: false))
    }

    let context: LineContext

    init(_ text: String, context: LineContext = .neutral) {
        (scalars, raw, literals) = Self.prepare(text)
        plain = literals.isEmpty && !raw.contains("\u{AD}")
        self.context = context
    }

    /// The first word of a line (up to whitespace) and whether whitespace follows it; nil for a blank line.
    static func firstWord(of line: String, lineFollows: Bool) -> LineContext.Word? {
        let scalars = prepare(line).0
        guard let start = scalars.firstIndex(where: { $0 != " " }) else { return nil }
        let end = scalars[start...].firstIndex(of: " ") ?? scalars.count
        return LineContext.Word(text: String(String.UnicodeScalarView(scalars[start..<end])),
                                followedBySpace: end < scalars.count || lineFollows)
    }

    // ASCII answers come first: the Unicode property lookups are the lexer's main cost.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar == " " || scalar.value < 0x20 }
        return scalar.properties.isWhitespace || scalar.value == 0xA0
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return isASCIILetter(scalar) }
        let properties = scalar.properties
        if properties.isAlphabetic || scalar == letterMark || scalar == "\u{AD}" { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }

    static func isCapital(_ scalar: Unicode.Scalar) -> Bool { ("A"..."Z").contains(scalar) }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 ? ("0"..."9").contains(scalar) : scalar.properties.numericType == .decimal
    }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool { isLetter(scalar) || isDigit(scalar) }

    func scalar(at index: Int) -> Unicode.Scalar? {
        index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    func matches(_ index: Int, _ test: (Unicode.Scalar) -> Bool) -> Bool {
        scalar(at: index).map(test) ?? false
    }

    /// The rule-level text of a range.
    func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }

    /// The spelled text of a range; words drop their soft hyphens, hashtags and links keep them.
    func rawText(_ range: Range<Int>, keepingSoftHyphens: Bool = false) -> String {
        if plain { return String(String.UnicodeScalarView(raw[range])) }
        var text = String.UnicodeScalarView()
        for index in range where keepingSoftHyphens || raw[index] != "\u{AD}" {
            if raw[index] == Self.literalMark || raw[index] == Self.letterMark || raw[index] == "'" && literals[index] != nil {
                text.append(contentsOf: literals[index]?.unicodeScalars ?? "".unicodeScalars)
            } else {
                text.append(raw[index])
            }
        }
        return String(text)
    }

    /// Every token of the line, before lower-casing and the punctuation filter.
    mutating func tokens() -> [String] {
        var output: [String] = []
        while position < scalars.count {
            if scalars[position] == " " { position += 1; continue }
            if let length = linkLength() {  // the lexer takes the longest match: a link when it beats the word
                var probe = self
                if probe.startsWord(at: position) { _ = probe.word() } else { _ = probe.symbol() }
                if length > probe.position - position {
                    output.append(linkText(position..<(position + length)))
                    position += length
                    continue
                }
            }
            if matches(position, { ("0"..."9").contains($0) || $0 == "(" || $0 == "+" }), let length = phoneLength() {
                var probe = self  // a phone number when it beats the other rules
                if probe.startsWord(at: position) { _ = probe.word() } else { _ = probe.symbol() }
                if length > probe.position - position {
                    output.append(Self.spelledInside(rawText(position..<(position + length))))
                    position += length
                    continue
                }
            }
            if let length = fractionLength(at: position) {  // "3 1/2" is one token, spelled "3\u{A0}1/2"
                output.append(String(rawText(position..<(position + length)).map { $0 == " " ? "\u{A0}" : $0 }))
                position += length
            } else if startsWord(at: position) {
                if let length = hyphenatedLength() {  // "U.S.-based", "a.m.-p.m.": when it beats the word
                    var probe = self
                    _ = probe.word()
                    if length > probe.position - position {
                        output.append(rawText(position..<(position + length)))
                        position += length
                        continue
                    }
                }
                output.append(contentsOf: word())
            } else if let token = symbol() {
                output.append(token)
            }
        }
        return output
    }

    func startsWord(at index: Int) -> Bool {
        let current = scalars[index]
        if Self.isAlphanumeric(current) { return true }
        switch current {
        case "-", ".", ",", ":", "+": return matches(index + 1, Self.isDigit)
        case "#": return matches(index + 1, Self.isLetter)
        case "@": return matches(index + 1) { Self.isLetter($0) || $0 == "_" }
        case "'": return apostropheWordLength(at: index) > 0
        default: return false
        }
    }

    /// Whether the apostrophe at `index` is written ’ or &apos;, which the lexer reads as an apostrophe proper
    /// (a plain ' before letters is an opening quote).
    private func isCurly(_ index: Int) -> Bool { raw[index] == "\u{2019}" || literals[index] != nil }

    /// Length of a word that starts with an apostrophe and stays whole (`'em`, `'cause`, `'til`, `'80s`, `'n'`).
    private func apostropheWordLength(at index: Int) -> Int {
        var end = index + 1
        while matches(end, Self.isAlphanumeric) { end += 1 }
        let body = text((index + 1)..<end).lowercased()
        if body == "n", isCurly(index) || matches(end, { $0 == "'" || $0 == " " }) || end == scalars.count {  // 'n', 'n
            return matches(end, { $0 == "'" }) ? end + 1 - index : end - index
        }
        // 'em, 'cause, 'til(l), '90s, 't (of 'tis, 'twas) end the word even when letters follow ('emdog → 'em dog).
        for prefix in ["cause", "till", "til", "em"] where body.hasPrefix(prefix) { return prefix.count + 1 }
        if body.hasPrefix("t"), body.dropFirst().hasPrefix("is") || body.dropFirst().hasPrefix("was") { return 2 }
        if body.count >= 3, body.dropFirst().hasPrefix("0s"), let first = body.first, ("2"..."9").contains(first) { return 4 }
        // A clitic after a non-letter stands alone: "(left)'s", "U.S.'s" → 's; after ’ even with letters following
        // ("it’sand" → it 's and).
        let clitics = ["ll", "re", "ve", "s", "m", "d"]
        var lettersEnd = index + 1
        while matches(lettersEnd, Self.isASCIILetter) { lettersEnd += 1 }  // 'sé → 's é
        if clitics.contains(text((index + 1)..<lettersEnd).lowercased()) { return lettersEnd - index }  // 's10 → 's 10
        if isCurly(index), body.hasPrefix("n") { return 2 }  // raini’ng → raini ’n g
        if isCurly(index), let clitic = clitics.first(where: { body.hasPrefix($0) }) { return clitic.count + 1 }
        return 0
    }

    /// Scans a word chunk and splits it the way the lexer's contraction rules do.
    mutating func word() -> [String] {
        let start = position
        if scalars[position] == "\u{AD}" {  // a word from a soft hyphen is ASCII letters: "­a-b" → a - b, "­1" → - 1
            while matches(position, { $0 == "\u{AD}" || Self.isASCIILetter($0) }) { position += 1 }
            let token = rawText(start..<position)
            return [token.isEmpty ? "-" : token]
        }
        if scalars[position] == "#" {  // hashtags are letters only: "#T-shirt" → #t - shirt, "#x2" → #x 2
            position += 1
            while matches(position, Self.isLetter) { position += 1 }
            return [rawText(start..<position, keepingSoftHyphens: true)]
        }
        if scalars[position] == "@" {  // Twitter names: "@userme@localhost" → @userme @localhost
            position += 1
            while matches(position, { Self.isASCIILetter($0) || ("0"..."9").contains($0) || $0 == "_" }) { position += 1 }
            return [rawText(start..<position)]
        }
        if "-+.,:".unicodeScalars.contains(scalars[position]) {
            // A signed or leading-separator number is digits and inner [.,:] only: "-50/50" → -50 / 50, ",5".
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
            return [rawText(start..<position)]
        }
        if scalars[position] == "'" {
            position += apostropheWordLength(at: position)
            return spell(start, Self.splitWords[text(start..<position).lowercased()] == nil
                ? [text(start..<position)] : Self.splitContractions(text(start..<position)))
        }
        position += 1
        var numeric = Self.isDigit(scalars[start])  // only digits and inner [.,:] so far
        var joinedNumber = false  // "3.5", "1,000", "12:30": letters right after such a number start a new word
        while position < scalars.count {
            let current = scalars[position]
            if joinedNumber && Self.isLetter(current) && Self.isDigit(scalars[position - 1]) { break }
            if current == "\u{AD}" {  // soft hyphens join letters to letters and digits to digits: "8­A" → 8 a
                var next = position + 1
                while matches(next, { $0 == "\u{AD}" }) { next += 1 }
                let previous = scalars[position - 1]
                if !(Self.isLetter(previous) && matches(next, Self.isLetter) || Self.isDigit(previous) && matches(next, Self.isDigit)
                     || previous == "\u{AD}") {
                    break
                }
            }
            if Self.isAlphanumeric(current) {
                if !current.isASCII, !Self.isDigit(current), contains(start, "/") { break }  // "1/2café" → 1/2caf é
                // "a-1&eacute;" → a-1 &eacute;, "4s&eacute;" → 4s &eacute;: entity letters join plain letter words only
                if current == Self.letterMark, contains(start, "-") || !Self.isLetter(scalars[start]) || contains(start, "0123456789") { break }
                if Self.isDigit(current), position - start >= 3, text((position - 3)..<position).lowercased() == "n't" { break }
                if !Self.isDigit(current) { numeric = false }
                position += 1
                continue
            }
            let nextIndex = position + 1
            let joins: Bool
            switch current {
            case "-":  // "he's-going" → he 's - going: a contraction ends the word; "12:30-4" → 12:30 -4
                let lower = text(start..<position).lowercased()
                joins = matches(nextIndex, Self.isAlphanumeric) && !contains(start, "!?:")
                    && !(Self.auxiliarySuffixes + ["n't"]).contains { lower.hasSuffix($0) && lower.count > $0.count }
                numeric = false
            case "/":  // "and/or", "a-b/c-d" but "x.y/ab" → x.y / ab, "café/bar" → café / bar
                // and not after a number segment: "ab-1/2" → ab-1 / 2
                joins = matches(nextIndex) { Self.isASCIILetter($0) || ("0"..."9").contains($0) }
                    && text(start..<position).unicodeScalars.allSatisfy { $0.isASCII && !".,_".unicodeScalars.contains($0) }
                    && !(scalars[start..<position].lastIndex(of: "-").map { scalars[($0 + 1)..<position].allSatisfy(Self.isDigit) } ?? false)
                numeric = false
            case "@": joins = matches(nextIndex, Self.isAlphanumeric); numeric = false
            case "_": joins = matches(nextIndex, Self.isAlphanumeric) && !contains(start, "/"); numeric = false  // x_y; x__y
            case "?", "!":  // "s?ok", but "isn't?S" → is n't ? s, "well-kn?own" → well-kn ? own
                joins = Self.isLetter(scalars[start]) && matches(nextIndex, Self.isLetter) && !contains(start, "'-")
            case ".":  // "ab.cd", "1.5" join; "v2.0" → v2 .0, "1.cup" → 1 . cup, "Inc.U" → inc. u
                joins = numeric ? matches(nextIndex, Self.isDigit)
                    : Self.isLetter(scalars[start]) && matches(nextIndex, Self.isLetter) && !contains(start, "'_-/")
                        && !(!matches(nextIndex + 1, Self.isAlphanumeric)
                            && !(matches(nextIndex + 1) { $0 == "." } && matches(nextIndex + 2, Self.isLetter))
                            && (Self.periodAbbreviations.contains(text(start..<position).lowercased())
                                || Self.isCapitalizedAbbreviation(text(start..<position))))
            case ",", ":": joins = numeric && matches(nextIndex, Self.isDigit)
            case "&", "+":  // AT&T, Q&A, SUN+SET: capitals only, and the word ends with them ("R&Dit" → r&d it)
                guard text(start..<position).unicodeScalars.allSatisfy(Self.isCapital), matches(nextIndex, Self.isCapital) else {
                    joins = false
                    break
                }
                position += 1
                while matches(position, Self.isCapital)
                    || matches(position, { $0 == "&" || $0 == "+" }) && matches(position + 1, Self.isCapital) {
                    position += 1
                }
                return [rawText(start..<position)]
            case "'":  // a contraction ends the word ("it's'til" → it 's 'til), as do 't of 'twas and ol'
                let lower = text(start..<position).lowercased()
                let single = position == start + 1 && "lLdDjJ".unicodeScalars.contains(scalars[start])
                // ... unless a clitic follows: "somethin'man" → somethin ` man
                if Self.keepsTrailingApostrophe.contains(lower) || single && !apostropheJoins(start),
                   !(matches(nextIndex, Self.isLetter) && startsWord(at: position)) {
                    position += 1  // ol', somethin', l', d' (d'1 → d' 1)
                    return [rawText(start..<position)]
                }
                joins = !(Self.auxiliarySuffixes + ["n't"]).contains { lower.hasSuffix($0) } && apostropheJoins(start)
                numeric = false
            case "`", "\u{2018}": joins = apostropheJoins(start); numeric = false  // "don`t" → do n`t, "se`es"
            default: joins = false
            }
            if !joins { break }
            if ".,:".unicodeScalars.contains(current) && numeric { joinedNumber = true }
            position += 1
        }
        var chunk = text(start..<position)
        if position == start + 1, "cCfF".unicodeScalars.contains(scalars[start]), matches(position, { $0 == "#" || $0 == "+" }) {
            let length = scalars[position] == "#" ? 1 : "cC".unicodeScalars.contains(scalars[start])
                && matches(position + 1, { $0 == "+" }) ? 2 : 0
            if length > 0 {  // C#, C++
                position += length
                return [rawText(start..<position)]
            }
        }
        if matches(position, { $0 == "$" }), raw[position] == "$", chunk.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) {
            position += 1  // currency prefixes: "US$", "HK$"
            return [rawText(start..<position)]
        }
        // A period before , ; : stays on a plain word ("rail.;" → rail. ;).
        if matches(position, { $0 == "." }), keepsPeriod(chunk) || chunk.lowercased() == "cont'd"
            || matches(position + 1, { ",;:".unicodeScalars.contains($0) }) && !contains(start, "'")
                && (Self.isLetter(scalars[start]) || !contains(start, ".")) {  // "3.," → 3. , but "3.5.," → 3.5 . ,
            chunk.append(".")
            position += 1
        }
        if matches(position, { $0 == "'" }), Self.keepsTrailingApostrophe.contains(chunk.lowercased()) {
            chunk.append("'")
            position += 1
        }
        return spell(start, Self.splitContractions(chunk))
    }

    /// Whether the chunk from `start` to the current position contains one of `characters`.
    private func contains(_ start: Int, _ characters: String) -> Bool {
        scalars[start..<position].contains { characters.unicodeScalars.contains($0) }
    }

    /// Spells the pieces of the chunk starting at `start` as written, except clitics, which the lexer normalises.
    private func spell(_ start: Int, _ pieces: [String]) -> [String] {
        if plain, raw[start..<position].elementsEqual(scalars[start..<position]) { return pieces }
        var offset = start
        return pieces.map { piece in
            let length = piece.unicodeScalars.count
            defer { offset += length }
            return Self.normalizedPieces.contains(piece.lowercased()) ? piece : rawText(offset..<(offset + length))
        }
    }
}
