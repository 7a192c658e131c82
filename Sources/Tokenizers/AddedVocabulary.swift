// Mirrors tokenizers' AddedVocabulary (added_vocabulary.rs): added/special tokens are split out of the
// text before the model runs, leftmost-longest, with their lstrip/rstrip/single_word/normalized flags.

/// One entry of tokenizer.json's `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    public let id: Int
    public let content: String
    public let isSpecial: Bool
    public let singleWord: Bool
    public let leftStrip: Bool
    public let rightStrip: Bool
    public let normalized: Bool
}

/// A stretch of text: either an added token already resolved to its id, or text for the model.
enum Segment {
    case token(Int)
    case text(String)
}

/// A set of added-token patterns matched leftmost-longest on Unicode scalars.
struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable { let scalars: [Unicode.Scalar]; let token: AddedToken }
    /// Patterns by first scalar, longest first.
    private let patterns: [Unicode.Scalar: [Pattern]]

    init(_ tokens: [(pattern: String, token: AddedToken)]) {
        var byFirst: [Unicode.Scalar: [Pattern]] = [:]
        for (text, token) in tokens {
            let scalars = Array(text.unicodeScalars)
            guard let first = scalars.first else { continue }
            byFirst[first, default: []].append(Pattern(scalars: scalars, token: token))
        }
        patterns = byFirst.mapValues { $0.sorted { $0.scalars.count > $1.scalars.count } }
    }

    var isEmpty: Bool { patterns.isEmpty }

    /// Splits `text` into added tokens and the text between them (empty texts are dropped).
    func split(_ text: String) -> [Segment] {
        if patterns.isEmpty { return text.isEmpty ? [] : [.text(text)] }
        let scalars = Array(text.unicodeScalars)
        var segments: [Segment] = []
        var consumed = 0  // start_offset in tokenizers
        var position = 0
        func emitText(_ range: Range<Int>) {
            if !range.isEmpty { segments.append(.text(String(String.UnicodeScalarView(scalars[range])))) }
        }
        while position < scalars.count {
            guard let candidates = patterns[scalars[position]],
                  let found = candidates.first(where: { pattern in
                      position + pattern.scalars.count <= scalars.count
                          && scalars[position..<position + pattern.scalars.count].elementsEqual(pattern.scalars)
                  })
            else { position += 1; continue }
            var start = position
            var stop = position + found.scalars.count
            // The automaton reports every non-overlapping match; the flags may then drop or widen it.
            defer { position = max(position + found.scalars.count, position + 1) }
            let token = found.token
            if token.singleWord {
                let startIsBoundary = start == 0 || !CharacterClass.isWordCharacter(scalars[start - 1])
                let stopIsBoundary = stop == scalars.count || !CharacterClass.isWordCharacter(scalars[stop])
                if !startIsBoundary || !stopIsBoundary { continue }
            }
            if token.leftStrip {
                var newStart = start
                while newStart > 0 && CharacterClass.isWhitespace(scalars[newStart - 1]) { newStart -= 1 }
                start = max(newStart, consumed)
            }
            if token.rightStrip {
                while stop < scalars.count && CharacterClass.isWhitespace(scalars[stop]) { stop += 1 }
            }
            if consumed < start { emitText(consumed..<start) }
            segments.append(.token(token.id))
            consumed = stop
        }
        if consumed < scalars.count { emitText(consumed..<scalars.count) }
        return segments
    }
}
