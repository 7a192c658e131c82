// Mirrors the FULLURL, LIKELYURL, EMAIL, PHONE and FRAC rules of Stanford CoreNLP 3.4.1's PTBLexer (found by probing it).

extension PTBLexer {
    /// Length of a URL or e-mail address starting at the current position, when one is there.
    func linkLength() -> Int? {
        // Every link has an inner "." or "@", or a "://", before its first break; most words have none.
        var index = matches(position, { $0 == "<" || $0 == "\u{E002}" }) ? position + 1 : position
        var candidate = false
        while !candidate, matches(index, { !" \"<>|()".unicodeScalars.contains($0) }) {
            switch scalars[index] {
            case ".", "@": candidate = matches(index + 1) { !" \"<>|()".unicodeScalars.contains($0) }
            case ":": candidate = matches(index + 1) { $0 == "/" }
            default: break
            }
            index += 1
        }
        guard candidate else { return nil }
        let length = max(fullURLLength(), likelyURLLength(), emailLength())
        return length > 0 ? length : nil
    }

    /// The spelling of a link: entities inside it print as written (`&lt;a@b.com&gt;`, `tea@&amp;cher`).
    func linkText(_ range: Range<Int>) -> String {
        var text = ""
        for index in range {
            if let literal = literals[index] {
                text += literal
            } else {
                text += rawText(index..<(index + 1), keepingSoftHyphens: true)
            }
        }
        return text
    }

    /// Length of a phone-number-like run of digit groups at the current position (`(555) 123-4567`,
    /// `555-123-4567`, `2014 2015 2016`): `(\(ddd?\) ?|\+{0,2}(dd{1,3}[- ])?dd{1,3}[- ])ddd{1,2}[- ]?ddd{1,3}`.
    func phoneLength() -> Int? {
        func digits(_ starts: [Int], _ least: Int, _ most: Int) -> [Int] {
            starts.flatMap { start -> [Int] in
                var end = start
                while end - start < most, matches(end, { ("0"..."9").contains($0) }) { end += 1 }
                return end - start >= least ? Array((start + least)...end) : []
            }
        }
        func separator(_ starts: [Int], optional: Bool) -> [Int] {
            starts.flatMap { start -> [Int] in
                let next = matches(start, { $0 == "-" || $0 == " " }) && (raw[start] == "-" || raw[start] == " " || raw[start] == "\u{A0}")
                return (next ? [start + 1] : []) + (optional ? [start] : [])
            }
        }
        var heads: [Int] = []
        if matches(position, { $0 == "(" }) {
            let closed = digits([position + 1], 2, 3).filter { matches($0) { $0 == ")" } }.map { $0 + 1 }
            heads += separator(closed, optional: true)
        }
        var starts = [position]
        if matches(position, { $0 == "+" }) { starts.append(position + 1) }
        if matches(position, { $0 == "+" }), matches(position + 1, { $0 == "+" }) { starts.append(position + 2) }
        starts += separator(digits(starts, 2, 4), optional: false)
        heads += separator(digits(starts, 2, 4), optional: false)
        let ends = digits(separator(digits(heads, 3, 4), optional: true), 3, 5)
        return ends.max().map { $0 - position }
    }

    /// Characters no link contains.
    private func isBreak(_ index: Int) -> Bool {
        guard let scalar = scalar(at: index) else { return true }
        return literals[index] == nil && " \"<>|(){}".unicodeScalars.contains(scalar)  // entities are & ; letters
    }

    /// Moves `end` back over the characters a link cannot end with.
    private func trimmed(_ end: Int, from start: Int) -> Int {
        var end = end
        while end > start, ".!?(){},-".unicodeScalars.contains(scalars[end - 1]) { end -= 1 }
        return end
    }

    private func startsWith(_ prefix: String, at index: Int) -> Bool {
        var index = index
        for expected in prefix.unicodeScalars {
            guard let scalar = scalar(at: index), String(scalar).lowercased() == String(expected) else { return false }
            index += 1
        }
        return true
    }

    /// `https?://` and at least two more characters, not ending in punctuation.
    private func fullURLLength() -> Int {
        let scheme = startsWith("http://", at: position) ? 7 : startsWith("https://", at: position) ? 8 : 0
        guard scheme > 0 else { return 0 }
        var end = position + scheme
        while !isBreak(end) { end += 1 }
        end = trimmed(end, from: position + scheme)
        return end - position - scheme >= 2 ? end - position : 0
    }

    /// An optional `/path` of at least two characters after a likely URL.
    private func pathLength(at index: Int) -> Int {
        guard matches(index, { $0 == "/" }) else { return 0 }
        var end = index + 1
        while !isBreak(end) { end += 1 }
        end = trimmed(end, from: index + 1)
        return end - index - 1 >= 2 ? end - index : 0
    }

    /// `www.` + labels + a 2–4 letter domain, or lower-case labels + `.com/.net/.org/.edu`, then a path.
    private func likelyURLLength() -> Int {
        let www = startsWith("www.", at: position)
        let start = www ? position + 4 : position
        func inLabel(_ scalar: Unicode.Scalar) -> Bool {
            if " \"<>|.!?(){},".unicodeScalars.contains(scalar) || scalar == "\u{E002}" || scalar == "\u{E003}" { return false }
            // Without www., the Java class also excludes `'$ and everything from "," to "_" (digits, capitals, …).
            return www || !("`'$".unicodeScalars.contains(scalar) || (0x2C...0x5F).contains(scalar.value))
        }
        var best = 0
        var index = start
        while true {
            let labelStart = index
            while matches(index, inLabel) { index += 1 }
            guard index > labelStart, matches(index, { $0 == "." }) else { break }
            let domain = index + 1
            if www {
                var letters = 0
                while letters < 4, matches(domain + letters, Self.isASCIILetter) { letters += 1 }
                for count in stride(from: letters, through: 2, by: -1) {
                    best = max(best, domain + count + pathLength(at: domain + count) - position)
                }
            } else if ["com", "net", "org", "edu"].contains(where: { startsWith($0, at: domain) }) {
                best = max(best, domain + 3 + pathLength(at: domain + 3) - position)
            }
            index = domain
        }
        return best
    }

    /// `<`? + `[a-zA-Z0-9]` + anything unbroken + `@` + dot-separated labels + `>`?
    private func emailLength() -> Int {
        var start = position
        if matches(start, { $0 == "<" || $0 == "\u{E002}" }) { start += 1 }
        guard matches(start, { Self.isASCIILetter($0) || ("0"..."9").contains($0) }) else { return 0 }
        var run = start
        // The Java lexer reads entities inside an address as the characters they are written with.
        while !isBreak(run) { run += 1 }
        var best = 0
        for at in (start + 1)..<max(run, start + 1) where scalars[at] == "@" {
            guard at + 1 < run, scalars[at + 1] != "." else { continue }
            var end = at + 1
            while end < run, !(scalars[end] == "." && (end + 1 == run || scalars[end + 1] == ".")) { end += 1 }
            if matches(end, { $0 == ">" || $0 == "\u{E003}" }) { end += 1 }
            best = max(best, end - position)
        }
        return best
    }

    /// Length of a fraction with a whole part or a fraction slash at `index`: `3 1/2`, `3-1/2`, `1⁄2`, `3 1⁄2`.
    func fractionLength(at index: Int) -> Int? {
        func digits(from start: Int) -> Int {
            var end = start
            while end - start < 5, matches(end, Self.isDigit) { end += 1 }
            return end - start
        }
        let whole = digits(from: index)
        guard (1...4).contains(whole) else { return nil }
        var numerator = index
        if index + whole < raw.count, " \u{A0}-".unicodeScalars.contains(raw[index + whole]) { numerator = index + whole + 1 }
        let top = digits(from: numerator)
        guard (1...4).contains(top), matches(numerator + top, { $0 == "/" || $0 == "\u{2044}" }) else { return nil }
        guard numerator > index || scalars[numerator + top] == "\u{2044}" else { return nil }
        let bottom = digits(from: numerator + top + 1)
        return bottom >= 1 ? numerator + top + 1 + min(bottom, 4) - index : nil
    }
}
