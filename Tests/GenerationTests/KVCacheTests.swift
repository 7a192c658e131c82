import Generation
import Tensor
import Testing

/// max |a − b| / max |b|.
func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count, "compared arrays differ in length: \(actual.count) vs \(expected.count)")
    let scale = expected.map(abs).max() ?? 0
    let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    return scale == 0 ? difference : difference / scale
}

@Suite("StandardKVCache")
struct KVCacheTests {
    // Appending in uneven pieces returns views equal to the concatenation, with logarithmically many reallocations.
    @Test func appendsWithoutQuadraticCopies() {
        var random = RandomGenerator(seed: 7)
        let cache = StandardKVCache(chunk: 4)
        let keys = random.normal([1, 2, 40, 8]), values = random.normal([1, 2, 40, 8])
        var start = 0, view: (keys: Tensor, values: Tensor) = (keys, values)
        for count in [3, 1, 1, 5, 7, 1, 1, 1, 9, 11] {
            view = cache.update(keys: keys.sliced(axis: 2, start: start, end: start + count),
                                values: values.sliced(axis: 2, start: start, end: start + count))
            start += count
            #expect(view.keys.scalars == keys.sliced(axis: 2, start: 0, end: start).scalars)
        }
        #expect(start == 40 && cache.offset == 40)
        #expect(view.values.scalars == values.scalars)
        // Capacities 4, 8, 16, 32, 64: one allocation plus one per doubling, 1 + ⌈log2(40 / 4)⌉ = 5.
        #expect(cache.reallocationCount == 5)
    }

    // A bf16 cache stores exactly the bf16 rounding of what it is given, in half the bytes.
    @Test func storesBFloat16() {
        var random = RandomGenerator(seed: 9)
        let cache = StandardKVCache(storageType: .bfloat16, chunk: 4)
        let keys = random.normal([2, 1, 3, 8])
        let (cached, _) = cache.update(keys: keys, values: keys)
        #expect(cached.dtype == .bfloat16)
        #expect(cached.converted(to: .float32).scalars == keys.converted(to: .bfloat16).converted(to: .float32).scalars)
    }

    // Trimming drops the last positions; the next append lands where the trimmed ones were.
    @Test func trimsAndOverwrites() {
        var random = RandomGenerator(seed: 10)
        let cache = StandardKVCache(chunk: 4)
        let first = random.normal([1, 2, 6, 4]), second = random.normal([1, 2, 2, 4])
        _ = cache.update(keys: first, values: first)
        cache.trim(to: 4)
        #expect(cache.offset == 4)
        let (keys, _) = cache.update(keys: second, values: second)
        #expect(keys.scalars == Tensor.concatenate([first.sliced(axis: 2, start: 0, end: 4), second], axis: 2).scalars)
    }

    // Forking repeats every batch row `count` times in place (repeat_interleave), and the copies then diverge independently.
    @Test func forksIntoIndependentRows() {
        var random = RandomGenerator(seed: 11)
        let cache = StandardKVCache(storageType: .bfloat16, chunk: 4)
        let prefix = random.normal([2, 2, 5, 4])
        _ = cache.update(keys: prefix, values: prefix * 2)
        let fork = cache.repeated(count: 3)
        #expect(fork.offset == 5 && fork.storageType == .bfloat16)
        let next = random.normal([6, 2, 1, 4])
        let (keys, values) = fork.update(keys: next, values: next)
        let expected = Tensor.concatenate([prefix.unsqueezed(1).expanded(to: [2, 3, 2, 5, 4]).reshaped([6, 2, 5, 4]), next], axis: 2)
        #expect(keys.converted(to: .float32).scalars == expected.converted(to: .bfloat16).converted(to: .float32).scalars)
        #expect(values.shape == [6, 2, 6, 4])
        #expect(cache.offset == 5)  // the original is untouched
    }

    // Decoding token by token through the cache (bottom-right causal) reproduces full causal attention's rows.
    @Test func incrementalAttentionMatchesFullAttention() {
        var random = RandomGenerator(seed: 8)
        let q = random.normal([1, 4, 6, 16]), k = random.normal([1, 2, 6, 16]), v = random.normal([1, 2, 6, 16])
        let full = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        let cache = StandardKVCache(chunk: 2)
        var rows: [Tensor] = []
        for (start, end) in [(0, 3), (3, 4), (4, 5), (5, 6)] {
            let (keys, values) = cache.update(keys: k.sliced(axis: 2, start: start, end: end), values: v.sliced(axis: 2, start: start, end: end))
            rows.append(Tensor.scaledDotProductAttention(query: q.sliced(axis: 2, start: start, end: end), key: keys, value: values,
                                                         causal: true))
        }
        #expect(relativeError(Tensor.concatenate(rows, axis: 2).scalars, full.scalars) <= 1e-6)
    }
}
