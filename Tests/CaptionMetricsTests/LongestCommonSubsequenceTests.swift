import Foundation
import Testing
import TestSupport
@testable import CaptionMetrics

@Suite("Longest common subsequence")
struct LongestCommonSubsequenceTests {
    /// The textbook O(n·m) table, the algorithm ROUGE-L used before: the oracle for the bit-parallel one.
    static func dynamicProgrammingLCS(_ first: [Int], _ second: [Int]) -> Int {
        if first.isEmpty || second.isEmpty { return 0 }
        var previous = [Int](repeating: 0, count: second.count + 1)
        var current = previous
        for item in first {
            for column in 1...second.count {
                current[column] = item == second[column - 1]
                    ? previous[column - 1] + 1 : max(previous[column], current[column - 1])
            }
            swap(&previous, &current)
        }
        return previous[second.count]
    }

    @Test func edgeCases() {
        #expect(longestCommonSubsequence([], []) == 0)
        #expect(longestCommonSubsequence([], [1, 2]) == 0)
        #expect(longestCommonSubsequence([1, 2], []) == 0)
        #expect(longestCommonSubsequence([1, 2, 3], [4, 5, 6, 7]) == 0)
        #expect(longestCommonSubsequence([7], [7]) == 1)
        #expect(longestCommonSubsequence([1, 2, 3, 4], [2, 4]) == 2)
        #expect(longestCommonSubsequence([5, 5, 5], [5, 5]) == 2)
        #expect(longestCommonSubsequence([-3, 0, Int.max, Int.min], [Int.min, -3, Int.max]) == 2)
        for length in [1, 63, 64, 65, 127, 128, 129, 200, 1000] {
            let sequence = (0..<length).map { $0 % 7 }
            #expect(longestCommonSubsequence(sequence, sequence) == length, "identical, \(length)")
            #expect(longestCommonSubsequence(sequence, sequence.map { $0 + 100 }) == 0, "disjoint, \(length)")
            #expect(longestCommonSubsequence(sequence, Array(sequence.reversed())) == Self.dynamicProgrammingLCS(sequence, sequence.reversed()))
        }
    }

    // Random sequences of many lengths (word boundaries included) and alphabet sizes, both orders.
    @Test func matchesTheDynamicProgrammingTable() {
        var generator = SplitMix(seed: 17)
        for trial in 0..<600 {
            let alphabet = [1, 2, 3, 4, 8, 30, 1000][trial % 7]
            let first = (0..<Int.random(in: 0...300, using: &generator)).map { _ in Int.random(in: 0..<alphabet, using: &generator) }
            let second = (0..<Int.random(in: 0...300, using: &generator)).map { _ in Int.random(in: 0..<alphabet, using: &generator) }
            let expected = Self.dynamicProgrammingLCS(first, second)
            #expect(longestCommonSubsequence(first, second) == expected, "trial \(trial)")
            #expect(longestCommonSubsequence(second, first) == expected, "trial \(trial), swapped")
        }
    }

    // Long runs of all-ones words, where carries travel far, and a sequence built by edits of the other; the
    // alphabets give dense masks only (50 tokens), sparse ones only (5,000), and both (a token half the time).
    @Test func longSequencesWithEdits() {
        var generator = SplitMix(seed: 99)
        for trial in 0..<6 {
            let first = (0..<1500).map { _ in
                switch trial % 3 {
                case 0: return Int.random(in: 0..<50, using: &generator)
                case 1: return Int.random(in: 0..<5000, using: &generator)
                default: return Bool.random(using: &generator) ? 7 : Int.random(in: 0..<5000, using: &generator)
                }
            }
            var second = first
            for _ in 0..<300 {
                let position = Int.random(in: 0..<second.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: second.remove(at: position)
                case 1: second.insert(Int.random(in: 0..<60, using: &generator), at: position)
                default: second[position] = Int.random(in: 0..<60, using: &generator)
                }
            }
            #expect(longestCommonSubsequence(first, second) == Self.dynamicProgrammingLCS(first, second))
        }
        let ones = [Int](repeating: 1, count: 640)
        #expect(longestCommonSubsequence(ones, [1, 2, 1]) == 2)
        #expect(longestCommonSubsequence([1, 2, 1], ones + [2]) == 2)
        #expect(longestCommonSubsequence([1, 2, 1], ones + [2] + ones) == 3)
    }

    // Issue 17: ROUGE-L of two long single lines took minutes. 30,000 tokens a side from a small alphabet
    // (dense masks) and from a large one (sparse masks), where the answer is known: the second sequence is
    // the first with tokens deleted and fresh tokens inserted, so the LCS is what is left of the first.
    @Test func longSequencesFinishQuickly() {
        var generator = SplitMix(seed: 2024)
        for alphabet in [26, 50_000] {
            let first = (0..<30_000).map { _ in Int.random(in: 0..<alphabet, using: &generator) }
            var second: [Int] = []
            var kept = 0
            for token in first {
                if Int.random(in: 0..<10, using: &generator) > 0 { second.append(token); kept += 1 }
                if Int.random(in: 0..<10, using: &generator) == 0 { second.append(alphabet + second.count) }
            }
            let start = ContinuousClock.now
            #expect(longestCommonSubsequence(first, second) == kept)
            #expect(ContinuousClock.now - start < .seconds(10), "alphabet \(alphabet)")
        }
    }
}
