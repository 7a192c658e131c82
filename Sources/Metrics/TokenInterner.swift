// Token identity as Python compares strings: by code points, not by Swift's canonical equivalence.

/// Maps token strings to small integers so that n-grams and LCS compare exactly as Python's `==` does
/// (`"café"` precomposed and decomposed are different tokens there, but equal Swift `String`s).
struct TokenInterner {
    private var identifiers: [[UInt8]: Int] = [:]

    mutating func identifier(_ token: some StringProtocol) -> Int {
        let key = Array(token.utf8)
        if let existing = identifiers[key] { return existing }
        let next = identifiers.count
        identifiers[key] = next
        return next
    }

    mutating func identifiers(_ tokens: [some StringProtocol]) -> [Int] { tokens.map { identifier($0) } }
}

/// Length of the longest common subsequence of two token sequences (standard dynamic programming,
/// one row at a time).
func longestCommonSubsequence(_ first: [Int], _ second: [Int]) -> Int {
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
