// The LCS length behind ROUGE-L, exact and bit-parallel (Allison–Dix / Hyyrö 2004): one bit per token of the
// shorter sequence, one multi-word addition per token of the longer one, so O(n·⌈m/64⌉) word operations
// instead of the O(n·m) table (two 1 MB single-line texts: minutes → about a second).
//
// V starts all ones; for each token b of the longer sequence, with M the bits where the shorter one has b:
//     V ← (V + (V & M)) | (V & ~M)
// where + carries across 64-bit words. The LCS length is the number of zero bits left in V.
//
// Each token's match mask is stored sparsely, as the words where it has bits, so memory stays O(m) however
// many distinct tokens there are; a word the mask does not touch changes only when a carry arrives, and a
// carry stops at the first word that is not all ones.

/// Length of the longest common subsequence of two token sequences (tokens compared as integers).
func longestCommonSubsequence(_ first: [Int], _ second: [Int]) -> Int {
    let (short, long) = first.count <= second.count ? (first, second) : (second, first)
    if short.isEmpty { return 0 }
    let wordCount = (short.count + 63) / 64
    let masks = SparseMatchMasks(short)
    // Bits past the end of the last word start (and stay) one: V & ~M keeps them, so they never count.
    var state = [UInt64](repeating: ~0, count: wordCount)
    state.withUnsafeMutableBufferPointer { vector in
        for token in long {
            guard let range = masks.range(of: token) else { continue }
            masks.words.withUnsafeBufferPointer { words in
                masks.bits.withUnsafeBufferPointer { bits in
                    var entry = range.lowerBound
                    var word = Int(words[entry])
                    var carry: UInt64 = 0
                    while word < wordCount {
                        let old = vector[word]
                        if entry < range.upperBound && Int(words[entry]) == word {
                            let match = bits[entry]
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
                        } else if entry < range.upperBound {
                            word = Int(words[entry])
                            continue
                        } else {
                            break
                        }
                        word += 1
                    }
                }
            }
        }
    }
    let ones = state.reduce(0) { $0 + $1.nonzeroBitCount }
    return wordCount * 64 - ones
}

/// For each token of a sequence, the 64-bit words where it occurs: (word index, bits) pairs, sorted by word.
private struct SparseMatchMasks {
    /// Entries of all tokens, grouped by token: `words[i]` is a word index and `bits[i]` its match bits.
    var words: [UInt32] = []
    var bits: [UInt64] = []
    /// Token → its slice of `words`/`bits`.
    private var ranges: [Int: Range<Int>] = [:]

    init(_ sequence: [Int]) {
        var positions: [Int: [Int]] = [:]
        for (index, token) in sequence.enumerated() { positions[token, default: []].append(index) }
        words.reserveCapacity(sequence.count)
        bits.reserveCapacity(sequence.count)
        for (token, indices) in positions {
            let start = words.count
            for index in indices {  // ascending, so each word's bits are contiguous
                let word = UInt32(index / 64)
                if words.count > start, words[words.count - 1] == word {
                    bits[bits.count - 1] |= 1 << UInt64(index % 64)
                } else {
                    words.append(word)
                    bits.append(1 << UInt64(index % 64))
                }
            }
            ranges[token] = start..<words.count
        }
    }

    func range(of token: Int) -> Range<Int>? { ranges[token] }
}
