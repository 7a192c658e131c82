import Foundation

/// Key/value cache for autoregressive generation, one slot per decoder layer.
///
/// Each layer keeps keys and values in [B, H, capacity, D] buffers that grow geometrically
/// (at least by `chunk` positions), so appending n tokens one by one copies O(n) values in total,
/// never the quadratic re-concatenation. `append` returns [B, H, length, D] views of the buffers
/// (no copy); the fused attention kernel reads their strides directly. Later appends write only
/// past the returned views, so earlier views stay valid. The cache records no gradients
/// (generation runs without autodiff).
public final class KVCache {
    /// Buffers of one layer.
    struct Slot {
        var keys: Tensor, values: Tensor
        var length: Int
        var capacity: Int { keys.shape[2] }
    }

    /// Positions added per growth at least.
    public let chunk: Int
    private var slots: [Slot?]
    /// Number of buffer reallocations so far (growth is geometric, so this stays logarithmic).
    public private(set) var reallocationCount = 0

    /// An empty cache for `layerCount` layers.
    public init(layerCount: Int, chunk: Int = 256) {
        precondition(layerCount > 0 && chunk > 0, "KVCache needs at least one layer and a positive chunk")
        self.chunk = chunk
        slots = Array(repeating: nil, count: layerCount)
    }

    /// Cached positions of `layer` (0 before the first append).
    public func length(layer: Int) -> Int { slots[layer]?.length ?? 0 }

    /// Drops every cached position (buffers are released).
    public func reset() { slots = Array(repeating: nil, count: slots.count) }

    /// Appends key/value [B, H, n, D] to `layer` and returns all cached keys and values
    /// [B, H, length, D] as views.
    public func append(layer: Int, key: Tensor, value: Tensor) -> (key: Tensor, value: Tensor) {
        precondition(slots.indices.contains(layer), "KVCache has no layer \(layer)")
        precondition(key.rank == 4 && key.shape == value.shape, "KVCache expects key and value [B, H, n, D] of one shape")
        let (batch, heads, count, dim) = (key.shape[0], key.shape[1], key.shape[2], key.shape[3])
        var slot = slots[layer] ?? Slot(keys: Tensor(shape: [batch, heads, 0, dim]), values: Tensor(shape: [batch, heads, 0, dim]), length: 0)
        precondition(slot.keys.shape[0] == batch && slot.keys.shape[1] == heads && slot.keys.shape[3] == dim,
                     "KVCache layer \(layer) holds \(slot.keys.shape), cannot append \(key.shape)")
        if slot.length + count > slot.capacity {
            let capacity = Swift.max(slot.length + count, slot.capacity * 2, slot.capacity + chunk)
            slot = Slot(keys: Self.grown(slot.keys, length: slot.length, capacity: capacity),
                        values: Self.grown(slot.values, length: slot.length, capacity: capacity), length: slot.length)
            reallocationCount += 1
        }
        Self.write(key.rowContiguous.detached(), into: slot.keys, at: slot.length)
        Self.write(value.rowContiguous.detached(), into: slot.values, at: slot.length)
        slot.length += count
        slots[layer] = slot
        return (slot.keys.sliced(axis: 2, start: 0, end: slot.length), slot.values.sliced(axis: 2, start: 0, end: slot.length))
    }

    /// A [B, H, capacity, D] buffer holding the first `length` positions of `buffer`.
    private static func grown(_ buffer: Tensor, length: Int, capacity: Int) -> Tensor {
        let (batch, heads, dim) = (buffer.shape[0], buffer.shape[1], buffer.shape[3])
        let result = Tensor(shape: [batch, heads, capacity, dim], zeroed: false)
        if length > 0 { write(buffer.sliced(axis: 2, start: 0, end: length), into: result, at: 0) }
        return result
    }

    /// Copies `source` [B, H, n, D] (last axis contiguous) into positions [at, at + n) of the
    /// contiguous buffer `target` (the cache owns it; no view of those positions exists yet).
    private static func write(_ source: Tensor, into target: Tensor, at position: Int) {
        let (batch, heads, count, dim) = (source.shape[0], source.shape[1], source.shape[2], source.shape[3])
        let from = source.pointer(as: Float.self), to = target.pointer(as: Float.self)
        for b in 0..<batch {
            for h in 0..<heads {
                for row in 0..<count {
                    let input = from + b * source.strides[0] + h * source.strides[1] + row * source.strides[2]
                    let output = to + b * target.strides[0] + h * target.strides[1] + (position + row) * target.strides[2]
                    output.update(from: input, count: dim)
                }
            }
        }
    }
}
