// Mirrors nltk's nltk/stem/porter.py PorterStemmer in its default NLTK_EXTENSIONS mode (as rouge-score uses it).

/// The Porter stemmer exactly as nltk implements it by default, including nltk's extensions
/// (irregular forms, `ies`/`ied` on four-letter words, `alli`, `fulli`, `logi`, and words of two letters or
/// fewer left alone). Works on lower-case ASCII words, which is what the rouge-score tokenizer produces;
/// other input is lower-cased and handled byte by byte.
public struct PorterStemmer: Sendable {
    private static let irregularForms: [String: String] = [
        "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
        "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing",
        "cannings": "canning", "canning": "canning", "howe": "howe", "proceed": "proceed",
        "exceed": "exceed", "succeed": "succeed",
    ]

    public init() {}

    /// The stem of one word.
    public func stem(_ word: String) -> String {
        let lower = word.lowercased()
        if let irregular = Self.irregularForms[lower] { return irregular }
        if word.unicodeScalars.count <= 2 { return lower }  // Python len() counts code points
        var stem = Array(lower.utf8)
        stem = step1a(stem)
        stem = step1b(stem)
        stem = step1c(stem)
        stem = step2(stem)
        stem = step3(stem)
        stem = step4(stem)
        stem = step5a(stem)
        stem = step5b(stem)
        return String(decoding: stem, as: UTF8.self)
    }

    // MARK: - Letters and measures

    private typealias Word = [UInt8]
    private static let vowels: Set<UInt8> = Set("aeiou".utf8)
    private static let y = UInt8(ascii: "y")

    private func isConsonant(_ word: Word, _ index: Int) -> Bool {
        var index = index
        if Self.vowels.contains(word[index]) { return false }
        if word[index] == Self.y {
            var negate = false
            while index > 0 && word[index] == Self.y {
                negate.toggle()
                index -= 1
            }
            return !Self.vowels.contains(word[index]) != negate
        }
        return true
    }

    private func consonantFlags(_ word: Word) -> [Bool] {
        var flags: [Bool] = []
        for (index, letter) in word.enumerated() {
            if Self.vowels.contains(letter) {
                flags.append(false)
            } else if letter == Self.y {
                flags.append(index == 0 ? true : !flags[index - 1])
            } else {
                flags.append(true)
            }
        }
        return flags
    }

    /// m in [C](VC)^m[V]: the number of vowel-to-consonant transitions.
    private func measure(_ stem: Word) -> Int {
        let flags = consonantFlags(stem)
        var count = 0
        for index in flags.indices.dropFirst() where !flags[index - 1] && flags[index] { count += 1 }
        return count
    }

    private func hasPositiveMeasure(_ stem: Word) -> Bool { measure(stem) > 0 }

    private func containsVowel(_ stem: Word) -> Bool { consonantFlags(stem).contains(false) }

    private func endsDoubleConsonant(_ word: Word) -> Bool {
        word.count >= 2 && word[word.count - 1] == word[word.count - 2] && isConsonant(word, word.count - 1)
    }

    private func endsConsonantVowelConsonant(_ word: Word) -> Bool {
        let count = word.count
        if count >= 3, isConsonant(word, count - 3), !isConsonant(word, count - 2), isConsonant(word, count - 1),
           !"wxy".utf8.contains(word[count - 1]) {
            return true
        }
        return count == 2 && !isConsonant(word, 0) && isConsonant(word, 1)
    }

    // MARK: - Rules

    private struct Rule {
        let suffix: String
        let replacement: String
        let condition: ((Word) -> Bool)?
        init(_ suffix: String, _ replacement: String, _ condition: ((Word) -> Bool)? = nil) {
            self.suffix = suffix
            self.replacement = replacement
            self.condition = condition
        }
    }

    private func ends(_ word: Word, _ suffix: String) -> Bool {
        let bytes = Array(suffix.utf8)
        return word.count >= bytes.count && Array(word.suffix(bytes.count)) == bytes
    }

    private func replacingSuffix(_ word: Word, _ suffix: String, with replacement: String) -> Word {
        Array(word.dropLast(suffix.utf8.count)) + Array(replacement.utf8)
    }

    /// The first rule whose suffix matches decides: applied if its condition holds, else the word is kept.
    /// The suffix "*d" stands for a double consonant.
    private func applyRules(_ word: Word, _ rules: [Rule]) -> Word {
        for rule in rules {
            if rule.suffix == "*d" && endsDoubleConsonant(word) {
                let stem = Array(word.dropLast(2))
                return rule.condition?(stem) ?? true ? stem + Array(rule.replacement.utf8) : word
            }
            if ends(word, rule.suffix) {
                let stem = Array(word.dropLast(rule.suffix.utf8.count))
                return rule.condition?(stem) ?? true ? stem + Array(rule.replacement.utf8) : word
            }
        }
        return word
    }

    private func step1a(_ word: Word) -> Word {
        if ends(word, "ies") && word.count == 4 { return replacingSuffix(word, "ies", with: "ie") }
        return applyRules(word, [Rule("sses", "ss"), Rule("ies", "i"), Rule("ss", "ss"), Rule("s", "")])
    }

    private func step1b(_ word: Word) -> Word {
        if ends(word, "ied") {
            return replacingSuffix(word, "ied", with: word.count == 4 ? "ie" : "i")
        }
        if ends(word, "eed") {
            let stem = Array(word.dropLast(3))
            return measure(stem) > 0 ? stem + Array("ee".utf8) : word
        }
        var intermediate: Word?
        for suffix in ["ed", "ing"] where ends(word, suffix) {
            let candidate = Array(word.dropLast(suffix.utf8.count))
            if containsVowel(candidate) {
                intermediate = candidate
                break
            }
        }
        guard let stem = intermediate else { return word }
        let last = stem.last.map { String(UnicodeScalar($0)) } ?? ""
        return applyRules(stem, [
            Rule("at", "ate"), Rule("bl", "ble"), Rule("iz", "ize"),
            Rule("*d", last) { _ in !"lsz".contains(last) },
            Rule("", "e") { self.measure($0) == 1 && self.endsConsonantVowelConsonant($0) },
        ])
    }

    private func step1c(_ word: Word) -> Word {
        applyRules(word, [Rule("y", "i") { $0.count > 1 && self.isConsonant($0, $0.count - 1) }])
    }

    private func step2(_ word: Word) -> Word {
        if ends(word, "alli"), hasPositiveMeasure(Array(word.dropLast(4))) {
            return step2(replacingSuffix(word, "alli", with: "al"))
        }
        let positive: (Word) -> Bool = { self.hasPositiveMeasure($0) }
        let pairs: [(String, String)] = [
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
            ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"),
            ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"),
            ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"), ("fulli", "ful"),
        ]
        var rules = pairs.map { Rule($0.0, $0.1, positive) }
        // nltk tests the measure of the word minus "ogi" here, not of the stem minus "logi".
        rules.append(Rule("logi", "log") { _ in self.hasPositiveMeasure(Array(word.dropLast(3))) })
        return applyRules(word, rules)
    }

    private func step3(_ word: Word) -> Word {
        let positive: (Word) -> Bool = { self.hasPositiveMeasure($0) }
        return applyRules(word, [
            Rule("icate", "ic", positive), Rule("ative", "", positive), Rule("alize", "al", positive),
            Rule("iciti", "ic", positive), Rule("ical", "ic", positive), Rule("ful", "", positive),
            Rule("ness", "", positive),
        ])
    }

    private func step4(_ word: Word) -> Word {
        let greaterThanOne: (Word) -> Bool = { self.measure($0) > 1 }
        var rules = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"]
            .map { Rule($0, "", greaterThanOne) }
        rules.append(Rule("ion", "") { stem in
            self.measure(stem) > 1 && (stem.last == UInt8(ascii: "s") || stem.last == UInt8(ascii: "t"))
        })
        rules += ["ou", "ism", "ate", "iti", "ous", "ive", "ize"].map { Rule($0, "", greaterThanOne) }
        return applyRules(word, rules)
    }

    private func step5a(_ word: Word) -> Word {
        guard ends(word, "e") else { return word }
        let stem = Array(word.dropLast())
        if measure(stem) > 1 { return stem }
        if measure(stem) == 1 && !endsConsonantVowelConsonant(stem) { return stem }
        return word
    }

    private func step5b(_ word: Word) -> Word {
        applyRules(word, [Rule("ll", "l") { _ in self.measure(Array(word.dropLast())) > 1 }])
    }
}
