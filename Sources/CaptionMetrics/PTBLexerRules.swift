// Mirrors the punctuation, quote, contraction and abbreviation rules of Stanford CoreNLP 3.4.1's PTBLexer (found by probing it).

extension PTBLexer {
    /// Abbreviations whose period the lexer keeps on the word.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "sgt", "etc", "vs", "inc", "co", "corp", "ltd", "gen",
        "gov", "capt", "col", "lt", "rep", "sen", "rev", "mt", "ft", "ave", "blvd", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "messrs", "esq", "cf", "al", "mo", "dept", "est",
        "ga", "ind", "mich", "sq", "va", "bros", "ph", "ala", "ariz", "calif", "conn", "fla", "kan", "minn", "mont",
        "neb", "nev", "okla", "tenn", "vt", "wis", "wyo", "colo", "ky", "md", "rd", "ph.d", "ed.d",
        "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "ct", "rt", "kans", "penn", "wisc", "tel", "ext", "seq",
        "bldg", "plc", "bancorp", "bhd", "assn", "univ", "intl", "sys", "cos", "pty", "ptys", "pte", "ptes", "alex",
        "wm", "jos", "cie", "treas", "drs", "profs", "sens", "reps", "atty", "attys", "govs", "adm", "maj", "cpl",
        "pvt", "ste", "pres", "lieut", "hon", "brig", "cmdr", "comdr", "pfc", "spc", "supt", "supts", "det", "mme",
        "mlle",
    ]
    /// Abbreviations that are no titles: their period does not join a single following letter ("Inc.U" → inc. u).
    static let periodAbbreviations: Set<String> = abbreviations.subtracting([
        "mr", "mrs", "ms", "dr", "st", "prof", "sgt", "gen", "gov", "capt", "col", "lt", "rep", "sen", "rev", "mt",
        "ave", "messrs", "ph", "drs", "profs", "sens", "reps", "atty", "attys", "govs", "adm", "maj", "cpl", "pvt",
        "ste", "pres", "lieut", "hon", "brig", "cmdr", "comdr", "pfc", "spc", "supt", "supts", "det", "mme", "mlle",
        "vs", "ft", "cf", "dept", "alex", "wm", "jos", "cie", "treas",
    ])
    /// Abbreviations that keep their period only when capitalised ("Wash." but "wash .").
    static let capitalizedAbbreviations: Set<String> = ["wash", "miss", "mass", "ill", "pa", "la", "ore", "tex", "del", "az"]

    /// A capitalized abbreviation: a capital, then any case ("Wash", "PA", "WasH").
    static func isCapitalizedAbbreviation(_ chunk: String) -> Bool {
        chunk.first?.isUppercase == true && capitalizedAbbreviations.contains(chunk.lowercased())
    }

    /// Whether the apostrophe (or ` or ‘) at the current position continues the word starting at `start`:
    /// `n't` (after a letter other than n), `y'all`, `j'ai`, `rock'n'roll`, `cont'd.` and the apostrophe words.
    func apostropheJoins(_ start: Int) -> Bool {
        let before = text(start..<position)
        let lower = before.lowercased()
        if scalars[position] == "'", lower.hasSuffix("'n") { return true }  // the closing apostrophe of rock'n'
        guard matches(position + 1, Self.isLetter) else { return false }
        var end = position + 1
        while matches(end, Self.isLetter) { end += 1 }
        let after = text((position + 1)..<end)
        let beforeN = lower.unicodeScalars.dropLast().last
        if lower.hasSuffix("n"), after.first == "t" || after.first == "T", lower.unicodeScalars.allSatisfy(Self.isASCIILetter),
           beforeN.map({ $0 != "n" }) ?? true {
            return true  // n't, n`t, n'tt
        }
        guard scalars[position] == "'" else { return Self.keepsApostrophe(Array(before + "'" + after), at: before.count) }
        if lower == "cont" { return after == "d" && matches(end) { $0 == "." } }
        if before == "Y", after.lowercased().hasPrefix("know") { return true }  // Y'know, but Y'see → Y ` see
        if before == "y", !["s", "m", "d", "ll", "re", "ve"].contains(where: { after.lowercased().hasPrefix($0) }) { return true }  // y'all
        if lower.hasSuffix("'n") { return true }
        if after.lowercased() == "n", matches(end, { $0 == "'" }) { return true }
        return Self.keepsApostrophe(Array(before + "'" + after), at: before.count)
    }

    /// Capitalised words before which the lexer reads a single letter's period as a full stop
    /// (found by probing the Java lexer word by word).
    static let sentenceStarters: Set<String> = [
        "A", "An", "As", "At", "After", "But", "He", "Her", "Here", "However", "If", "In", "It", "Many", "More",
        "Now", "Once", "One", "Other", "Our", "She", "Since", "So", "Some", "Such", "That", "The", "Their", "Then",
        "There", "These", "They", "This", "We", "What", "When", "While", "Yet", "You", "Last", "About", "Earlier", "Mr.", "Ms.",
    ]

    /// Words that keep a following apostrophe (`somethin'`, `ol'`, `Dunkin'`).
    static let keepsTrailingApostrophe: Set<String> = ["somethin", "ol", "dunkin"]

    /// Whether the period at the current position stays on the word `chunk` before it (`Mr.`, `U.S.`, `b.`).
    func keepsPeriod(_ chunk: String) -> Bool {
        let lower = chunk.lowercased()
        if Self.abbreviations.contains(lower) || Self.isCapitalizedAbbreviation(chunk) { return true }
        if lower == "no" || lower == "nos" {  // "no. 5" and "No.1" keep the period, "no." before a word does not
            var index = position + 1
            while matches(index, { $0 == " " }) { index += 1 }
            return matches(index, Self.isDigit)
        }
        // "b." keeps its period unless whitespace, a sentence-starting word and whitespace follow ("plan b. The
        // dog" → "b ."), looking on into the next line when this one ends.
        if chunk.unicodeScalars.count == 1, let letter = chunk.unicodeScalars.first, Self.isASCIILetter(letter) {
            var wordStart = position + 1
            while matches(wordStart, { $0 == " " }) { wordStart += 1 }
            var wordEnd = wordStart
            while matches(wordEnd, { $0 != " " }) { wordEnd += 1 }
            let following: String
            if wordStart == scalars.count {
                guard context.lineFollows, let next = context.nextWord, next.followedBySpace else { return true }
                following = next.text
            } else {
                guard wordStart > position + 1, wordEnd < scalars.count || context.lineFollows else { return true }
                following = text(wordStart..<wordEnd)
            }
            // A capital and then any case: "The", "THE", "TheN".
            let capitalised = String(following.prefix(1)) + following.dropFirst().lowercased()
            return !(following.first?.isUppercase == true && Self.sentenceStarters.contains(capitalised))
        }
        // Acronyms with internal periods: u.s, e.g, a.m, u.s.a
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            part.unicodeScalars.count == 1 && Self.isASCIILetter(part.unicodeScalars.first!)
        }
    }

    /// Whole words the lexer splits in two, with the length of the first part.
    static let splitWords: [String: Int] = [
        "cannot": 3, "gonna": 3, "gotta": 3, "wanna": 3, "lemme": 3, "gimme": 3, "'tis": 2, "'twas": 2,
    ]
    static let auxiliarySuffixes = ["'s", "'m", "'d", "'ll", "'re", "'ve"]
    /// Pieces spelled with a plain apostrophe whatever apostrophe the text used (`it’s` → `it 's`).
    static let normalizedPieces: Set<String> = ["'s", "'m", "'d", "'ll", "'re", "'ve", "n't", "'"]

    /// Splits contractions and the apostrophes of a word chunk.
    static func splitContractions(_ chunk: String) -> [String] {
        // Most chunks have no apostrophe and are no gonna/cannot-style word.
        if !(5...6).contains(chunk.utf8.count), !chunk.unicodeScalars.contains(where: { "'`\u{2018}".unicodeScalars.contains($0) }) {
            return [chunk]
        }
        let lower = chunk.lowercased()
        let characters = Array(chunk)
        if lower == "n't" || lower.hasPrefix("cont'd") { return [chunk] }
        if let head = splitWords[lower], characters.count > head {
            return [String(characters[..<head]), String(characters[head...])]
        }
        // n't splits off ASCII-letter words only ("Zoën't" stays apart at its apostrophe, as in the Java lexer);
        // letters after it stay on it ("can'tt" → ca n'tt), and n`t is n't written with a backquote.
        if let n = contractionStart(characters), characters[..<n].allSatisfy({ $0.isASCII && $0.isLetter }) {
            return splitContractions(String(characters[..<n])) + [String(characters[n...])]
        }
        for suffix in auxiliarySuffixes where lower.hasSuffix(suffix) && characters.count > suffix.count {
            return splitContractions(String(characters.dropLast(suffix.count))) + [String(characters.suffix(suffix.count))]
        }
        if characters.last == "'", keepsTrailingApostrophe.contains(String(lower.dropLast())) { return [chunk] }
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

    /// Where a trailing `n't` (`n`t`, `n‘t`, or `n't` with letters after it) starts, when letters precede it.
    private static func contractionStart(_ characters: [Character]) -> Int? {
        guard characters.count > 3 else { return nil }
        let characters = characters.map { $0.lowercased().first ?? $0 }
        let end = characters.count
        if characters[end - 3] == "n", "'`\u{2018}".contains(characters[end - 2]), characters[end - 1] == "t" { return end - 3 }
        guard let apostrophe = characters.firstIndex(where: { "'`\u{2018}".contains($0) }), apostrophe >= 2,
              characters[apostrophe - 1] == "n",
              apostrophe + 2 < end, characters[apostrophe + 1] == "t",
              characters[(apostrophe + 1)...].allSatisfy(\.isLetter) else { return nil }
        return apostrophe - 1
    }

    /// The lexer's apostrophe words: `o'clock`, `O'Neil`, `d'Artagnan` (one letter before, two or more after)
    /// and `ma'am` (a vowel before, a vowel or capital after).
    static func keepsApostrophe(_ characters: [Character], at index: Int) -> Bool {
        let before = characters[..<index]
        let lettersAfter = characters[(index + 1)...].prefix { $0.isLetter }
        guard let last = before.last, let first = lettersAfter.first else { return false }
        // One capital (not I or Y) or n before and two letters after, or d, o, l before and one letter after.
        if before.count == 1, "ABCDEFGHJKLMNOPQRSTUVWXZn".contains(last), lettersAfter.count >= 2 { return true }
        if before.count == 1, "dDoOlL".contains(last), lettersAfter.count >= 2 { return true }
        if before.count == 1, last == "c", lettersAfter.elementsEqual("est") { return true }
        return before.count >= 2 && before.allSatisfy(\.isLetter) && "aeiouyAEIOUY".contains(last) && ("aeiouAEIOU".contains(first) || first.isUppercase)
    }

    /// A token as the Java lexer prints it: brackets inside spelled -LRB- and -RRB-, spaces as no-break spaces.
    static func spelledInside(_ token: String) -> String {
        var spelled = ""
        for character in token {
            switch character {
            case "(": spelled += "-LRB-"
            case ")": spelled += "-RRB-"
            case " ": spelled.append("\u{A0}")
            default: spelled.append(character)
            }
        }
        return spelled
    }

    /// Quote characters of which up to two make one token, with their LaTeX spelling.
    static let quoteSpellings: [Unicode.Scalar: String] = [
        "`": "`", "\u{2018}": "`", "\u{201B}": "`", "\u{2039}": "`", "\u{2019}": "'", "\u{203A}": "'",
        "\u{201C}": "``", "\u{AB}": "``", "\u{201D}": "''", "\u{BB}": "''",
        "\u{201A}": "\u{201A}", "\u{201E}": "\u{201E}", "\u{201F}": "\u{201F}",
    ]

    /// Vulgar fractions the lexer spells out; the others stay as they are.
    static let fractions: [Unicode.Scalar: String] = ["\u{BC}": "1/4", "\u{BD}": "1/2", "\u{BE}": "3/4", "\u{2153}": "1/3", "\u{2154}": "2/3"]

    /// Scans one punctuation or symbol token (nil when the characters produce none).
    mutating func symbol() -> String? {
        let current = scalars[position]
        let start = position
        func runLength(of scalar: Unicode.Scalar) -> Int {
            var end = position
            while matches(end, { $0 == scalar }) { end += 1 }
            return end - position
        }
        if let smiley = smileyLength() {
            position += smiley
            return Self.spelledInside(rawText(start..<position))
        }
        if let spelling = Self.quoteSpellings[raw[position]] {
            position += 1
            var token = spelling
            if position < raw.count, let second = Self.quoteSpellings[raw[position]] {
                token += second
                position += 1
            }
            return token
        }
        if "^-=~<>".unicodeScalars.contains(current), matches(position + 1, { $0 == "_" }),
           matches(position + 2, { "^-=~<>x".unicodeScalars.contains($0) }) {
            position += 3  // ^_^, -_-, <_x
            return rawText(start..<position)
        }
        if let fraction = Self.fractions[current] { position += 1; return fraction }
        switch current {
        case PTBLexer.literalMark, PTBLexer.letterMark: position += 1; return literals[start]
        case "\u{E002}": position += 1; return "<"
        case "\u{E003}": position += 1; return ">"
        case "<" where tagLength() != nil:  // spaces inside a token print as no-break spaces
            position += tagLength()!
            return String(rawText(start..<position).map { $0 == " " ? "\u{A0}" : $0 })
        case "_", "<", ">":  // "__", "<<", ">>"
            position += current == "_" ? runLength(of: "_") : min(runLength(of: current), 2)
            return text(start..<position)
        case "?", "!":
            while matches(position, { $0 == "?" || $0 == "!" }) { position += 1 }
            return text(start..<position)
        case ".":
            let length = runLength(of: ".")  // three or more periods are one "..." ("....5" → ... 5)
            position += length >= 3 ? length : 1
            return length >= 3 ? "..." : "."
        case "\u{2026}": position += 1; return "..."
        case "\u{2014}", "\u{2013}", "\u{2015}": position += 1; return "--"
        case "-":
            if raw[start] != "-" { position += 1; return nil }  // a lone ‐ or ‑ is untokenizable
            while matches(position, { $0 == "-" }), raw[position] == "-" { position += 1 }
            let length = position - start
            return length >= 5 ? rawText(start..<position) : length >= 2 ? "--" : "-"
        case "#" where matches(position + 1) { $0 == "#" }:
            position += runLength(of: "#")
            return text(start..<position)
        case "*":
            position += runLength(of: "*")
            return text(start..<position)
        case "\\" where matches(position + 1) { $0 == "*" }:  // \*, \*\*
            while matches(position, { $0 == "\\" }), matches(position + 1, { $0 == "*" }) { position += 2 }
            return text(start..<position)
        case "\u{A2}": position += 1; return "cents"
        case "\u{A3}": position += 1; return "#"  // £ is spelled # but starts no hashtag
        case "\"":
            position += 1
            let opening = matches(position) { Self.isASCIILetter($0) || ("0"..."9").contains($0) || $0 == "$" }
                && raw[position] != "\u{20AC}"
            return opening ? "``" : "''"
        case "'":
            if matches(position + 1, { $0 == "'" }) { position += 2; return "''" }  // it''s → it '' s
            position += 1
            return "'"
        case "(": position += 1; return "-LRB-"
        case ")": position += 1; return "-RRB-"
        case "[": position += 1; return "-LSB-"
        case "]": position += 1; return "-RSB-"
        case "{": position += 1; return "-LCB-"
        case "}": position += 1; return "-RCB-"
        default:
            position += 1
            return text(start..<position)
        }
    }

    /// Length of an SGML/XML tag at the current position: `<a href="x">`, `</b>`, `<br />`, `<!-- c -->`,
    /// `<?xml?>`; attribute values must be quoted (`<img src=x>` is no tag).
    private func tagLength() -> Int? {
        func isName(_ scalar: Unicode.Scalar) -> Bool {
            Self.isASCIILetter(scalar) || ("0"..."9").contains(scalar) || ":._-".unicodeScalars.contains(scalar)
        }
        func skipSpaces(_ index: inout Int) { while matches(index, { $0 == " " }) { index += 1 } }
        var index = position + 1
        if matches(index, { $0 == "!" || $0 == "?" }) {
            guard matches(index + 1, { Self.isASCIILetter($0) || $0 == "-" }) else { return nil }
            index += 2
            while matches(index, { $0 != ">" }) { index += 1 }
            return index < scalars.count ? index + 1 - position : nil
        }
        let closing = matches(index) { $0 == "/" }
        if closing { index += 1 }
        guard matches(index, Self.isASCIILetter) else { return nil }
        while matches(index, isName) { index += 1 }
        while !closing {  // attributes: name, or name = "value" / 'value'
            var next = index
            skipSpaces(&next)
            guard next > index, matches(next, Self.isASCIILetter) else { break }
            while matches(next, isName) { next += 1 }
            var equals = next
            skipSpaces(&equals)
            if matches(equals, { $0 == "=" }) {
                equals += 1
                skipSpaces(&equals)
                guard let quote = scalar(at: equals), quote == "\"" || quote == "'" else { return nil }
                var end = equals + 1
                while matches(end, { $0 != quote }) { end += 1 }
                guard end < scalars.count else { return nil }
                next = end + 1
            }
            index = next
        }
        skipSpaces(&index)
        if !closing, matches(index, { $0 == "/" }) {
            index += 1
            skipSpaces(&index)
        }
        return matches(index) { $0 == ">" } ? index + 1 - position : nil
    }

    /// Length of a hyphenated word whose first part may hold periods and commas, at the current position:
    /// `[letter/digit][letters, digits, ".", ","]*` then one or more `-` + letters/digits or `-` + an acronym and
    /// its period (`U.S.-based`, `a.m.-p.m.`, `U.K.-U.S.`, `1,000555-1234`); nil when there is none.
    func hyphenatedLength() -> Int? {
        func isPart(_ scalar: Unicode.Scalar) -> Bool { scalar != Self.letterMark && (Self.isLetter(scalar) || Self.isDigit(scalar)) }
        guard matches(position, isPart), scalars[position] != "\u{AD}" else { return nil }
        var index = position + 1
        while matches(index, { isPart($0) || $0 == "." || $0 == "," }) { index += 1 }
        var end: Int?
        while matches(index, { $0 == "-" }), raw[index] == "-" {
            var acronym = index + 1  // [A-Za-z](\.[A-Za-z])+\.
            while matches(acronym, Self.isASCIILetter), matches(acronym + 1, { $0 == "." }) { acronym += 2 }
            if acronym - index - 1 >= 4 {
                index = acronym
            } else if matches(index + 1, isPart) {
                index += 1
                while matches(index, isPart) { index += 1 }
            } else {
                break
            }
            end = index
        }
        return end.map { $0 - position }
    }

    /// Length of a smiley at the current position: `[<>]?[:;=][-o*']?[()DPdpO\{@|[\]]`, not followed by a
    /// ASCII letter or digit (`:-)`, `>:(`, `;D`, `:'(`).
    private func smileyLength() -> Int? {
        var index = position
        if matches(index, { $0 == "<" || $0 == ">" }) { index += 1 }
        guard matches(index, { ":;=".unicodeScalars.contains($0) }) else { return nil }
        index += 1
        if matches(index, { "-o*'".unicodeScalars.contains($0) }), matches(index + 1, { "()DPdpO\\{@|[]".unicodeScalars.contains($0) }) {
            index += 1
        }
        guard matches(index, { "()DPdpO\\{@|[]".unicodeScalars.contains($0) }) else { return nil }
        index += 1
        if matches(index, { Self.isASCIILetter($0) || ("0"..."9").contains($0) }) { return nil }  // ":)x", but ":)é"
        return index - position
    }
}
