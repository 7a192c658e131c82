// Hand-written matchers for the pre-tokenizer regexes found in tokenizer.json files (Qwen2, GPT-2's
// ByteLevel regex, CLIP), equivalent to Oniguruma's leftmost-first alternation on these patterns.

/// A split regex this implementation knows, matched by hand on Unicode scalars.
enum SplitPattern: Sendable {
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen2
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// `[<\|startoftext\|>|<\|endoftext\|>|]'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
    case clip(specials: Bool)

    static let qwen2Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let clipSource = #"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#
    static let clipSpecialsSource = #"<\|startoftext\|>|<\|endoftext\|>|"# + clipSource

    init?(source: String) {
        switch source {
        case Self.qwen2Source: self = .qwen2
        case Self.gpt2Source: self = .gpt2
        case Self.clipSource: self = .clip(specials: false)
        case Self.clipSpecialsSource: self = .clip(specials: true)
        default: return nil
        }
    }

    /// The match starting at `start`, or nil when no alternative matches there.
    func match(_ text: UnsafeBufferPointer<Unicode.Scalar>, classes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        switch self {
        case .qwen2: return Self.matchQwen2(text, classes, start)
        case .gpt2: return Self.matchGPT2(text, classes, start)
        case .clip(let specials): return Self.matchCLIP(text, classes, start, specials: specials)
        }
    }

    /// End of a `'s|'t|'re|'ve|'m|'ll|'d` match at `start`; `ignoringCase` folds case as Oniguruma does (ſ folds to s).
    private static func contraction(_ text: UnsafeBufferPointer<Unicode.Scalar>, _ start: Int, ignoringCase: Bool) -> Int? {
        guard text[start] == "'", start + 1 < text.count else { return nil }
        func folded(_ scalar: Unicode.Scalar) -> UInt32 {
            guard ignoringCase else { return scalar.value }
            if scalar.value >= 65 && scalar.value <= 90 { return scalar.value + 32 }
            return scalar == "\u{17F}" ? 115 : scalar.value
        }
        let first = folded(text[start + 1])
        switch first {
        case 115, 116, 109, 100: return start + 2  // s t m d
        default: break
        }
        guard start + 2 < text.count else { return nil }
        let second = folded(text[start + 2])
        switch (first, second) {
        case (114, 101), (118, 101), (108, 108): return start + 3  // re ve ll
        default: return nil
        }
    }

    @inline(__always) private static func isOther(_ classes: UInt8) -> Bool { classes & (CharacterClass.letter | CharacterClass.number | CharacterClass.space) == 0 }

    private static func run(_ classes: UnsafeBufferPointer<UInt8>, from start: Int, while mask: UInt8) -> Int {
        var end = start
        while end < classes.count && classes[end] & mask != 0 { end += 1 }
        return end
    }

    private static func runOther(_ classes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        while end < classes.count && isOther(classes[end]) { end += 1 }
        return end
    }

    private static func matchQwen2(_ text: UnsafeBufferPointer<Unicode.Scalar>, _ classes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        let count = text.count
        let current = classes[start]
        if let end = contraction(text, start, ignoringCase: true) { return end }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if current & CharacterClass.letter != 0 { return run(classes, from: start, while: CharacterClass.letter) }
        if current & (CharacterClass.newline | CharacterClass.letter | CharacterClass.number) == 0,
           start + 1 < count, classes[start + 1] & CharacterClass.letter != 0 {
            return run(classes, from: start + 1, while: CharacterClass.letter)
        }
        // \p{N}
        if current & CharacterClass.number != 0 { return start + 1 }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var punctuationStart: Int? = nil
        if text[start] == " ", start + 1 < count, isOther(classes[start + 1]) { punctuationStart = start + 1 }
        else if isOther(current) { punctuationStart = start }
        if let from = punctuationStart {
            return run(classes, from: runOther(classes, from: from), while: CharacterClass.newline)
        }
        // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
        let end = run(classes, from: start, while: CharacterClass.space)
        guard end > start else { return nil }
        var lastNewline = end - 1
        while lastNewline >= start && classes[lastNewline] & CharacterClass.newline == 0 { lastNewline -= 1 }
        if lastNewline >= start { return lastNewline + 1 }
        if end == count { return end }
        return end - 1 > start ? end - 1 : end
    }

    private static func matchGPT2(_ text: UnsafeBufferPointer<Unicode.Scalar>, _ classes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        let count = text.count
        if let end = contraction(text, start, ignoringCase: false) { return end }
        let afterSpace = text[start] == " " && start + 1 < count ? start + 1 : start
        for mask in [CharacterClass.letter, CharacterClass.number] {
            if classes[afterSpace] & mask != 0 { return run(classes, from: afterSpace, while: mask) }
        }
        if isOther(classes[afterSpace]) { return runOther(classes, from: afterSpace) }
        let end = run(classes, from: start, while: CharacterClass.space)
        guard end > start else { return nil }
        if end == count { return end }
        return end - 1 > start ? end - 1 : end
    }

    private static func matchCLIP(_ text: UnsafeBufferPointer<Unicode.Scalar>, _ classes: UnsafeBufferPointer<UInt8>, _ start: Int, specials: Bool) -> Int? {
        if specials {
            for literal in ["<|startoftext|>", "<|endoftext|>"] {
                let scalars = Array(literal.unicodeScalars)
                if start + scalars.count <= text.count, (0..<scalars.count).allSatisfy({ text[start + $0] == scalars[$0] }) {
                    return start + scalars.count
                }
            }
        }
        if let end = contraction(text, start, ignoringCase: false) { return end }
        let current = classes[start]
        if current & CharacterClass.letter != 0 { return run(classes, from: start, while: CharacterClass.letter) }
        if current & CharacterClass.number != 0 { return start + 1 }
        if isOther(current) { return runOther(classes, from: start) }
        return nil
    }
}
