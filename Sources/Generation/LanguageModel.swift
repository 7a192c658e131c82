// Mirrors mlx-swift-lm's LanguageModel (prepare, then callAsFunction per token) with the per-request
// state moved off the model: one loaded model serves many requests, each carrying its own caches and state.
import NN
import Tensor

/// What a model keeps per request between calls (positions, padding, media features).
public protocol GenerationState {
    /// The state of a batch whose row b·count + r (r < count) continues row b (after a cache fork).
    func repeated(count: Int) -> Self
}

/// A decoder that generation drives: a prompt first, then one token per row per step, through one cache per
/// attention layer. Logits are float32 [B, V].
public protocol LanguageModel {
    associatedtype State: GenerationState

    /// One empty cache per attention layer.
    func makeCaches() -> [any KVCache]
    /// Runs the prompt tokens [B, L] (int64), appending to `caches`; returns the last position's logits [B, V].
    func prefill(_ tokens: Tensor, caches: [any KVCache], state: inout State) -> Tensor
    /// Runs one token per row (int64 [B]); returns the next logits [B, V].
    func step(_ tokens: Tensor, caches: [any KVCache], state: inout State) -> Tensor
}

/// The per-request state of a text decoder: each row's cached positions that are padding (prompts of different
/// lengths are left-padded into one batch) and each row's next rotary position (real tokens so far).
public struct TextDecoderState: GenerationState, Sendable {
    /// Per row, true at cached positions that are padding.
    public private(set) var padding: [[Bool]]
    /// Per row, the rotary position of the next real token.
    public private(set) var nextPositions: [Int]

    /// State for `batch` rows with nothing cached.
    public init(batch: Int) {
        padding = Array(repeating: [], count: batch)
        nextPositions = Array(repeating: 0, count: batch)
    }

    public var batch: Int { padding.count }

    /// Records `count` new positions per row, the first `leadingPadding[r]` of row r being padding, and returns
    /// their rotary positions, flattened [B·count] (padding positions repeat the first real one; they are masked).
    public mutating func advance(count: Int, leadingPadding: [Int]? = nil) -> [Int] {
        let leading = leadingPadding ?? Array(repeating: 0, count: batch)
        precondition(leading.count == batch && leading.allSatisfy { $0 >= 0 && $0 <= count },
                     "leading padding \(leading) does not fit \(batch) rows of \(count) positions")
        var positions: [Int] = []
        for row in 0..<batch {
            padding[row] += Array(repeating: true, count: leading[row]) + Array(repeating: false, count: count - leading[row])
            positions += Array(repeating: nextPositions[row], count: leading[row])
            positions += Array(nextPositions[row]..<(nextPositions[row] + count - leading[row]))
            nextPositions[row] += count - leading[row]
        }
        return positions
    }

    /// Continues each row's rotary positions at `positions` (for models whose positions are not token counts, such as
    /// M-RoPE after an image or video).
    public mutating func resumePositions(at positions: [Int]) {
        precondition(positions.count == batch, "\(positions.count) next positions for \(batch) rows")
        nextPositions = positions
    }

    /// Bool [B, cached], true at padding; nil when no row has any (the kernel then skips the mask).
    public var keyPaddingMask: Tensor? {
        guard padding.contains(where: { $0.contains(true) }) else { return nil }
        return Tensor(bools: padding.flatMap { $0 }, shape: [batch, padding.first?.count ?? 0])
    }

    public func repeated(count: Int) -> TextDecoderState {
        var copy = self
        copy.padding = padding.flatMap { Array(repeating: $0, count: count) }
        copy.nextPositions = nextPositions.flatMap { Array(repeating: $0, count: count) }
        return copy
    }
}
