// Mirrors mlx-swift-lm's MLXLMCommon KVCache protocol and KVCacheSimple: one cache object per attention
// layer, appended in place, trimmed for speculative or rejected tokens, and forked so that G rollouts
// share one prefill (GRPO's group of completions for one prompt).
//
// Shape legend: B batch, G key/value heads, C cached positions, D head dimension.
import NN
import Tensor

/// A per-layer key/value cache that generation can trim and fork. Layers see only `AttentionCache`.
public protocol KVCache: AttentionCache {
    /// Element type of the stored keys and values (.float32 or .bfloat16).
    var storageType: DType { get }
    /// Keeps the first `length` positions (length ≤ offset). Views returned before may change
    /// once later appends overwrite the dropped positions.
    func trim(to length: Int)
    /// A new cache whose batch row b·count + r (r < count) holds this cache's row b: one prefill,
    /// then `count` independent continuations per row (torch's `repeat_interleave` on the batch axis).
    func repeated(count: Int) -> Self
}

/// Keys and values in [B, G, capacity, D] buffers that grow geometrically (at least `chunk` positions at a
/// time), so appending n tokens one by one copies O(n) values in total rather than re-concatenating. `update`
/// returns [B, G, C, D] views of the buffers (no copy) that the fused attention reads through their strides;
/// later appends write only past them. Records no gradients: generation runs without autodiff.
public final class StandardKVCache: KVCache {
    public let storageType: DType
    /// Positions added per growth at least.
    public let chunk: Int
    private var keys: Tensor?, values: Tensor?
    public private(set) var offset = 0
    /// Buffer reallocations so far (growth is geometric, so this stays logarithmic in the length).
    public private(set) var reallocationCount = 0

    /// An empty cache storing `storageType` (bf16 halves the memory; attention still computes in f32).
    public init(storageType: DType = .float32, chunk: Int = 256) {
        precondition(storageType == .float32 || storageType == .bfloat16, "KV caches store float32 or bfloat16, not \(storageType)")
        precondition(chunk > 0, "KV cache growth chunk must be positive")
        self.storageType = storageType
        self.chunk = chunk
    }

    /// Allocated positions (≥ offset).
    public var capacity: Int { keys?.shape[2] ?? 0 }

    public func update(keys newKeys: Tensor, values newValues: Tensor) -> (keys: Tensor, values: Tensor) {
        precondition(newKeys.rank == 4 && newKeys.shape == newValues.shape, "KV cache expects keys and values [B, G, L, D] of one shape")
        let (batch, heads, count, dimension) = (newKeys.shape[0], newKeys.shape[1], newKeys.shape[2], newKeys.shape[3])
        if let keys {
            precondition(keys.shape[0] == batch && keys.shape[1] == heads && keys.shape[3] == dimension,
                         "KV cache holds \(keys.shape), cannot append \(newKeys.shape)")
        }
        if offset + count > capacity {
            let grownCapacity = Swift.max(offset + count, capacity * 2, capacity + chunk)
            keys = grown(keys, shape: [batch, heads, grownCapacity, dimension])
            values = grown(values, shape: [batch, heads, grownCapacity, dimension])
            reallocationCount += 1
        }
        guard let keys, let values else { preconditionFailure("KV cache buffers exist after growth") }
        Self.copyPositions(from: stored(newKeys), into: keys, batchRowsPerSource: 1, at: offset)
        Self.copyPositions(from: stored(newValues), into: values, batchRowsPerSource: 1, at: offset)
        offset += count
        return (keys.sliced(axis: 2, start: 0, end: offset), values.sliced(axis: 2, start: 0, end: offset))
    }

    public func trim(to length: Int) {
        precondition(length >= 0 && length <= offset, "cannot trim a KV cache of \(offset) positions to \(length)")
        offset = length
    }

    public func repeated(count: Int) -> StandardKVCache {
        precondition(count > 0, "a KV cache forks into at least one copy")
        let copy = StandardKVCache(storageType: storageType, chunk: chunk)
        guard let keys, let values else { return copy }
        // Room for `chunk` more positions, so the first decode steps of every rollout need no regrowth.
        var shape = keys.shape
        shape[0] *= count
        shape[2] = offset + chunk
        copy.keys = Tensor(shape: shape, dtype: storageType, zeroed: false)
        copy.values = Tensor(shape: shape, dtype: storageType, zeroed: false)
        if offset > 0 {
            Self.copyPositions(from: keys.sliced(axis: 2, start: 0, end: offset), into: copy.keys!, batchRowsPerSource: count, at: 0)
            Self.copyPositions(from: values.sliced(axis: 2, start: 0, end: offset), into: copy.values!, batchRowsPerSource: count, at: 0)
        }
        copy.offset = offset
        return copy
    }

    /// `tensor` as this cache stores it, detached, with a contiguous last axis.
    private func stored(_ tensor: Tensor) -> Tensor {
        var converted = tensor.detached()
        if converted.dtype != storageType { converted = converted.converted(to: storageType) }
        return converted.strides.last == 1 ? converted : converted.contiguous()
    }

    /// A buffer of `shape` holding the first `offset` positions of `buffer`.
    private func grown(_ buffer: Tensor?, shape: [Int]) -> Tensor {
        let result = Tensor(shape: shape, dtype: storageType, zeroed: false)
        if let buffer, offset > 0 {
            Self.copyPositions(from: buffer.sliced(axis: 2, start: 0, end: offset), into: result, batchRowsPerSource: 1, at: 0)
        }
        return result
    }

    /// Copies `source` [B, G, n, D] (last axis contiguous, the buffer's dtype) into positions [at, at + n) of
    /// batch rows b·repeats ..< (b + 1)·repeats of `target`, which the cache owns (no view covers them yet).
    private static func copyPositions(from source: Tensor, into target: Tensor, batchRowsPerSource repeats: Int, at position: Int) {
        precondition(source.dtype == target.dtype && source.strides.last == 1, "KV cache copies rows of its own dtype")
        let rowBytes = source.shape[3] * source.dtype.byteCount, elementBytes = source.dtype.byteCount
        let (from, to) = (UnsafeRawPointer(source.baseAddress), target.baseAddress)
        for batch in 0..<source.shape[0] {
            for head in 0..<source.shape[1] {
                for row in 0..<source.shape[2] {
                    let input = from + (batch * source.strides[0] + head * source.strides[1] + row * source.strides[2]) * elementBytes
                    for copy in 0..<repeats {
                        let output = to + ((batch * repeats + copy) * target.strides[0] + head * target.strides[1]
                                           + (position + row) * target.strides[2]) * elementBytes
                        output.copyMemory(from: input, byteCount: rowBytes)
                    }
                }
            }
        }
    }
}
