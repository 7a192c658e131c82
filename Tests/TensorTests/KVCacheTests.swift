import Tensor
import Testing

@Suite("KVCache")
struct KVCacheTests {
    // Appending in uneven pieces returns views equal to the concatenation, with logarithmically many reallocations.
    @Test func appendsWithoutQuadraticCopies() {
        var random = RandomGenerator(seed: 7)
        let cache = KVCache(layerCount: 2, chunk: 4)
        let keys = random.normal([1, 2, 40, 8]), values = random.normal([1, 2, 40, 8])
        var start = 0, view: (key: Tensor, value: Tensor) = (keys, values)
        for count in [3, 1, 1, 5, 7, 1, 1, 1, 9, 11] {
            view = cache.append(layer: 1, key: keys.sliced(axis: 2, start: start, end: start + count),
                                value: values.sliced(axis: 2, start: start, end: start + count))
            start += count
            #expect(view.key.scalars == keys.sliced(axis: 2, start: 0, end: start).scalars)
        }
        #expect(start == 40 && cache.length(layer: 1) == 40 && cache.length(layer: 0) == 0)
        #expect(view.value.scalars == values.scalars)
        // Capacities 4, 8, 16, 32, 64: one allocation plus one per doubling, 1 + ⌈log2(40 / 4)⌉ = 5.
        #expect(cache.reallocationCount == 5)
    }

    // Decoding token by token through the cache (bottom-right causal) reproduces full causal attention's rows.
    @Test func incrementalAttentionMatchesFullAttention() {
        var random = RandomGenerator(seed: 8)
        let q = random.normal([1, 4, 6, 16]), k = random.normal([1, 2, 6, 16]), v = random.normal([1, 2, 6, 16])
        let full = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true).scalars
        let cache = KVCache(layerCount: 1, chunk: 2)
        let prefix = cache.append(layer: 0, key: k.sliced(axis: 2, start: 0, end: 3), value: v.sliced(axis: 2, start: 0, end: 3))
        var rows = Tensor.scaledDotProductAttention(query: q.sliced(axis: 2, start: 0, end: 3), key: prefix.key, value: prefix.value,
                                                    causal: true).contiguous().scalars
        for position in 3..<6 {
            let cached = cache.append(layer: 0, key: k.sliced(axis: 2, start: position, end: position + 1),
                                      value: v.sliced(axis: 2, start: position, end: position + 1))
            let row = Tensor.scaledDotProductAttention(query: q.sliced(axis: 2, start: position, end: position + 1),
                                                       key: cached.key, value: cached.value, causal: true)
            rows.append(contentsOf: row.contiguous().scalars)
        }
        // rows are ordered [step][head][dim]; full is [head][position][dim].
        var reordered = [Float]()
        for h in 0..<4 {
            let prefixStart: Int = h * 3 * 16
            reordered.append(contentsOf: rows[prefixStart..<(prefixStart + 3 * 16)])
            for step in 0..<3 {
                let rowStart: Int = 4 * 3 * 16 + step * 4 * 16 + h * 16
                reordered.append(contentsOf: rows[rowStart..<(rowStart + 16)])
            }
        }
        #expect(kernelRelativeError(reordered, full) <= 1e-6)
    }
}
