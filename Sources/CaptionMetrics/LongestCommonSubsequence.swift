// The LCS length behind ROUGE-L, exact and bit-parallel (Allison–Dix / Hyyrö 2004): one bit per token of the
// shorter sequence, one multi-word addition per token of the longer one, so O(n·⌈m/64⌉) word operations
// instead of the O(n·m) table (two 1 MB single-line texts: minutes → about a second).
//
// V starts all ones; for each token b of the longer sequence, with M the bits where the shorter one has b:
//     V ← (V + (V & M)) | (V & ~M)
// where + carries across words. The LCS length is the number of zero bits left in V.
//
// A token that occurs in many words of the shorter sequence keeps a dense mask, and its step runs over all
// of V two words at a time (a 128-bit add carries through the pair without a branch). A rarer token keeps
// only the words where it has bits, so memory stays O(m) however many distinct tokens there are: a word its
// mask does not touch changes only when a carry arrives, and a carry stops at the first word that is not
// all ones.

/// Length of the longest common subsequence of two token sequences (tokens compared as integers).
func longestCommonSubsequence(_ first: [Int], _ second: [Int]) -> Int {
    // A common prefix and suffix belong to every longest common subsequence: count them and drop them.
    let prefix = zip(first, second).prefix { $0 == $1 }.count
    let suffix = zip(first[prefix...].reversed(), second[prefix...].reversed()).prefix { $0 == $1 }.count
    let firstMiddle = Array(first[prefix..<(first.count - suffix)])
    let secondMiddle = Array(second[prefix..<(second.count - suffix)])
    let (short, long) = firstMiddle.count <= secondMiddle.count ? (firstMiddle, secondMiddle) : (secondMiddle, firstMiddle)
    if short.isEmpty { return prefix + suffix }
    let masks = MatchMasks(short)
    // Bits past the end of the sequence start (and stay) one: V & ~M keeps them, so they never count.
    var state = [UInt64](repeating: ~0, count: masks.wordCount)
    state.withUnsafeMutableBufferPointer { vector in
        // Words below this one are all zero. A zero word stays zero and passes no carry (0 + 0 & M = 0), so
        // dense steps start here; on similar texts the zeros grow from the start and halve the work.
        var firstLiveWord = 0
        for token in long {
            switch masks.mask(of: token) {
            case nil: continue
            case .dense(let offset):
                masks.advanceDense(vector, maskOffset: offset, from: firstLiveWord)
                while firstLiveWord < masks.wordCount && vector[firstLiveWord] | vector[firstLiveWord + 1] == 0 { firstLiveWord += 2 }
            case .sparse(let entries): masks.advanceSparse(vector, entries: entries)
            }
        }
    }
    return prefix + suffix + masks.wordCount * 64 - state.reduce(0) { $0 + $1.nonzeroBitCount }
}

/// For each token of the shorter sequence, the bits of the positions where it occurs.
private struct MatchMasks {
    enum Mask {
        /// `wordCount` words from this offset of `denseBits`.
        case dense(offset: Int)
        /// These entries of `sparseWords`/`sparseBits`, in ascending word order.
        case sparse(Range<Int>)
    }

    /// Words of V: enough for every position, rounded up to an even count for the two-word steps.
    let wordCount: Int
    private var denseBits: [UInt64] = []
    private var sparseWords: [Int] = []
    private var sparseBits: [UInt64] = []
    /// Token → its mask's index in `masks`.
    private var maskIndex: [Int: Int] = [:]
    private var masks: [Mask] = []

    init(_ sequence: [Int]) {
        wordCount = (sequence.count + 127) / 128 * 2
        // Positions grouped by token (a counting sort over first-appearance numbers), ascending in each group.
        var numbers = [Int](repeating: 0, count: sequence.count)
        var counts: [Int] = []
        for (position, token) in sequence.enumerated() {
            let number = maskIndex[token] ?? counts.count
            if number == counts.count {
                maskIndex[token] = number
                counts.append(0)
            }
            numbers[position] = number
            counts[number] += 1
        }
        var starts = [Int](repeating: 0, count: counts.count + 1)
        for number in counts.indices { starts[number + 1] = starts[number] + counts[number] }
        var grouped = [Int](repeating: 0, count: sequence.count)
        var next = starts
        for (position, number) in numbers.enumerated() {
            grouped[next[number]] = position
            next[number] += 1
        }
        masks.reserveCapacity(counts.count)
        for number in counts.indices {
            let positions = grouped[starts[number]..<starts[number + 1]]
            // Dense when the token touches a quarter of the words or more: at most 4·128 tokens, so the
            // dense masks take at most 4 KiB per word of V.
            if positions.count * 4 >= wordCount {
                let offset = denseBits.count
                denseBits.append(contentsOf: repeatElement(0, count: wordCount))
                for position in positions { denseBits[offset + position / 64] |= 1 << UInt64(position % 64) }
                masks.append(.dense(offset: offset))
                continue
            }
            let start = sparseWords.count
            for position in positions {
                let word = position / 64
                if sparseWords.count > start, sparseWords[sparseWords.count - 1] == word {
                    sparseBits[sparseBits.count - 1] |= 1 << UInt64(position % 64)
                } else {
                    sparseWords.append(word)
                    sparseBits.append(1 << UInt64(position % 64))
                }
            }
            masks.append(.sparse(start..<sparseWords.count))
        }
    }

    func mask(of token: Int) -> Mask? { maskIndex[token].map { masks[$0] } }

    /// One step over every word from `firstWord` (even) on, 128 bits at a time.
    func advanceDense(_ vector: UnsafeMutableBufferPointer<UInt64>, maskOffset: Int, from firstWord: Int) {
        denseBits.withUnsafeBufferPointer { bits in
            var carry: UInt64 = 0
            var word = firstWord
            while word < wordCount {
                let old = UInt128(vector[word + 1]) << 64 | UInt128(vector[word])
                let match = UInt128(bits[maskOffset + word + 1]) << 64 | UInt128(bits[maskOffset + word])
                let (partial, overflow) = old.addingReportingOverflow(old & match)
                // The carry out does not wait for the sum: only an all-ones partial passes a carry on.
                let passesCarry: UInt64 = partial == .max ? 1 : 0
                let new = (partial &+ UInt128(carry)) | (old & ~match)
                carry = (overflow ? 1 : 0) | (passesCarry & carry)
                vector[word] = UInt64(truncatingIfNeeded: new)
                vector[word + 1] = UInt64(truncatingIfNeeded: new >> 64)
                word += 2
            }
        }
    }

    /// One step touching only the mask's words and the words a carry reaches.
    func advanceSparse(_ vector: UnsafeMutableBufferPointer<UInt64>, entries: Range<Int>) {
        var entry = entries.lowerBound
        var word = sparseWords[entry]
        var carry: UInt64 = 0
        while word < wordCount {
            let old = vector[word]
            if entry < entries.upperBound && sparseWords[entry] == word {
                let match = sparseBits[entry]
                let (partial, overflowA) = old.addingReportingOverflow(old & match)
                let (sum, overflowB) = partial.addingReportingOverflow(carry)
                vector[word] = sum | (old & ~match)
                carry = overflowA || overflowB ? 1 : 0
                entry += 1
            } else if carry != 0 {
                // No match bits here: V + 1 | V. An all-ones word passes the carry on unchanged.
                let sum = old &+ 1
                vector[word] = sum | old
                carry = sum == 0 ? 1 : 0
            } else if entry < entries.upperBound {
                word = sparseWords[entry]
                continue
            } else {
                return
            }
            word += 1
        }
    }
}
