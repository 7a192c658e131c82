// Mirrors tokenizers' BpeTrainer (tokenizers/src/models/bpe/trainer.rs, without limit_alphabet,
// prefixes or suffixes): special tokens first, the alphabet sorted by code point, then merges of the
// most frequent pair (ties to the smallest id pair) through the same lazily updated priority queue.

/// Learns byte-pair merges from word counts the way the `tokenizers` library's `BpeTrainer` does, so
/// the same words give the same vocabulary ids and the same merges in the same order.
public struct BPETrainer: Sendable {
    /// The vocabulary size to reach, special tokens and alphabet included (training stops earlier when
    /// no pair is frequent enough).
    public var vocabularySize: Int
    /// Pairs seen fewer times than this are never merged.
    public var minimumFrequency: Int
    /// Tokens given ids 0, 1, … before the alphabet (and marked special in a written file).
    public var specialTokens: [String]
    /// Characters always in the alphabet, seen or not (for byte-level BPE: all 256 byte characters).
    public var initialAlphabet: [Unicode.Scalar]

    /// The learned vocabulary: token strings by id, and merges in rank order.
    public struct Vocabulary: Sendable, Equatable {
        /// `tokens[id]` is the token string of `id`.
        public let tokens: [String]
        /// Merge rules, most important first: `merges[rank] == (left, right)`.
        public let merges: [Merge]
    }

    /// One merge rule: the two token strings joined into one.
    public struct Merge: Sendable, Hashable {
        public let left: String
        public let right: String
        public init(_ left: String, _ right: String) { self.left = left; self.right = right }
    }

    /// The 256 characters byte-level BPE spells bytes with.
    public static let byteLevelAlphabet: [Unicode.Scalar] = ByteLevel.characters

    public init(vocabularySize: Int, minimumFrequency: Int = 0, specialTokens: [String] = [],
                initialAlphabet: [Unicode.Scalar] = BPETrainer.byteLevelAlphabet) {
        self.vocabularySize = vocabularySize
        self.minimumFrequency = minimumFrequency
        self.specialTokens = specialTokens
        self.initialAlphabet = initialAlphabet
    }

    /// Learns merges from words (already spelled as the model sees them) and how often each occurs.
    /// `progress` is called with (merges done, merges at most) as training goes.
    public func train(wordCounts: [String: Int], progress: ((Int, Int) -> Void)? = nil) throws -> Vocabulary {
        guard vocabularySize > 0 else { throw TokenizerError.invalidArgument("vocabulary size \(vocabularySize) must be positive") }
        guard minimumFrequency >= 0 else { throw TokenizerError.invalidArgument("minimum frequency \(minimumFrequency) is negative") }
        if let bad = wordCounts.first(where: { $0.value < 0 }) {
            throw TokenizerError.invalidArgument("word \(bad.key.debugDescription) has a negative count \(bad.value)")
        }
        var state = TrainingState()
        for token in specialTokens { state.addToken(token) }
        // Alphabet: every seen character plus the initial alphabet, sorted by code point.
        var alphabet = Set(initialAlphabet)
        for word in wordCounts.keys { alphabet.formUnion(word.unicodeScalars) }
        for scalar in alphabet.sorted(by: { $0.value < $1.value }) { state.addToken(String(scalar)) }

        var words: [[Int32]] = []
        var counts: [Int] = []
        words.reserveCapacity(wordCounts.count)
        for (word, count) in wordCounts {
            words.append(word.unicodeScalars.map { state.ids[String($0)]! })
            counts.append(count)
        }

        // Initial pair counts and the words each pair occurs in.
        var pairCounts: [UInt64: Int] = [:]
        var pairWords: [UInt64: Set<Int32>] = [:]
        for (index, word) in words.enumerated() where word.count > 1 {
            for position in 0..<(word.count - 1) {
                let pair = Self.pair(word[position], word[position + 1])
                pairCounts[pair, default: 0] += counts[index]
                pairWords[pair, default: []].insert(Int32(index))
            }
        }
        var queue = MergeQueue()
        for (pair, positions) in pairWords {
            let count = pairCounts[pair]!
            if count > 0 { queue.push(.init(pair: pair, count: count, words: positions)) }
        }
        pairWords.removeAll()

        var merges: [(pair: UInt64, id: Int32)] = []
        let mostMerges = max(0, vocabularySize - state.tokens.count)
        while state.tokens.count < vocabularySize, var top = queue.pop() {
            let current = pairCounts[top.pair] ?? 0
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || minimumFrequency > top.count { break }
            let (left, right) = Self.split(top.pair)
            let newID = state.addToken(state.tokens[Int(left)] + state.tokens[Int(right)])
            merges.append((top.pair, newID))

            var newPairWords: [UInt64: Set<Int32>] = [:]
            for wordIndex in top.words {
                let index = Int(wordIndex)
                Self.merge(&words[index], left, right, into: newID) { pair, change in
                    pairCounts[pair, default: 0] += change * counts[index]
                    if change > 0 { newPairWords[pair, default: []].insert(wordIndex) }
                }
            }
            for (pair, positions) in newPairWords {
                let count = pairCounts[pair]!
                if count > 0 { queue.push(.init(pair: pair, count: count, words: positions)) }
            }
            progress?(merges.count, mostMerges)
        }

        // The reference keeps merges in a map keyed by pair, so a pair merged twice keeps its last rank.
        var lastRank: [UInt64: Int] = [:]
        for (rank, merge) in merges.enumerated() { lastRank[merge.pair] = rank }
        let ranked = merges.enumerated().filter { lastRank[$0.element.pair] == $0.offset }.map { entry in
            let (left, right) = Self.split(entry.element.pair)
            return Merge(state.tokens[Int(left)], state.tokens[Int(right)])
        }
        return Vocabulary(tokens: state.tokens, merges: ranked)
    }

    @inline(__always) static func pair(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always) static func split(_ pair: UInt64) -> (Int32, Int32) {
        (Int32(bitPattern: UInt32(truncatingIfNeeded: pair >> 32)), Int32(bitPattern: UInt32(truncatingIfNeeded: pair)))
    }

    /// Replaces each non-overlapping `left right` (scanning left to right) with `replacement`, reporting
    /// the neighbouring pairs that disappear (-1) and appear (+1), as the reference's `Word::merge` does.
    static func merge(_ symbols: inout [Int32], _ left: Int32, _ right: Int32, into replacement: Int32,
                      change: (UInt64, Int) -> Void) {
        var index = 0
        while index < symbols.count {
            if symbols[index] == left, index + 1 < symbols.count, symbols[index + 1] == right {
                if index > 0 {
                    change(pair(symbols[index - 1], left), -1)
                    change(pair(symbols[index - 1], replacement), 1)
                }
                symbols[index] = replacement
                symbols.remove(at: index + 1)
                if index < symbols.count - 1 {
                    change(pair(right, symbols[index + 1]), -1)
                    change(pair(replacement, symbols[index + 1]), 1)
                }
            }
            index += 1
        }
    }
}

/// Token strings and ids as training assigns them.
private struct TrainingState {
    var tokens: [String] = []
    var ids: [String: Int32] = [:]

    /// The id of `token`, adding it at the end when new.
    @discardableResult mutating func addToken(_ token: String) -> Int32 {
        if let id = ids[token] { return id }
        let id = Int32(tokens.count)
        tokens.append(token)
        ids[token] = id
        return id
    }
}

/// A binary max-heap of candidate merges: higher count first, then the smaller (left, right) id pair.
private struct MergeQueue {
    struct Entry {
        let pair: UInt64
        var count: Int
        let words: Set<Int32>
    }

    private var heap: [Entry] = []

    @inline(__always) private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }

    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count, Self.before(heap[left], heap[best]) { best = left }
            if right < heap.count, Self.before(heap[right], heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
