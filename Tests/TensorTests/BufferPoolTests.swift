import Testing
@testable import Tensor

@Suite("Buffer pool")
struct BufferPoolTests {
    // Size classes cover the request with at most 12.5% slack, and small sizes are served exactly.
    @Test func sizeClasses() {
        #expect(BufferPool.sizeClass(1000) == 1000)
        for size in [BufferPool.minimumBytes, BufferPool.minimumBytes + 1, 1 << 20, (1 << 20) + 3, 16_777_216, 123_456_789] {
            let served = BufferPool.sizeClass(size)
            #expect(served >= size && Double(served) <= Double(size) * 1.125, "\(size) → \(served)")
            #expect(served % 64 == 0)
        }
    }

    // A released buffer is handed out again for a request of the same class, up to the capacity.
    @Test func reuseAndCapacity() {
        let pool = BufferPool(capacityBytes: 3 << 20)
        let first = pool.allocate(byteCount: 1 << 20)
        pool.release(first, byteCount: 1 << 20)
        #expect(pool.cachedBytes == 1 << 20)
        let second = pool.allocate(byteCount: (1 << 20) - 100)  // same class
        #expect(second == first)
        #expect(pool.cachedBytes == 0)
        let big = pool.allocate(byteCount: 4 << 20)
        pool.release(big, byteCount: 4 << 20)  // over capacity: freed, not cached
        #expect(pool.cachedBytes == 0)
        pool.release(second, byteCount: 1 << 20)
        pool.trim()
        #expect(pool.cachedBytes == 0)
    }

    // A request the cache cannot serve frees cached buffers first where handed-out plus cached bytes would
    // pass the most ever handed out (by over a sixteenth), so caching adds little to the peak: here the cached
    // 1 MiB buffer goes before a fresh 2 MiB one is made.
    @Test func missesEvictOtherSizes() {
        let pool = BufferPool(capacityBytes: 8 << 20)
        let small = pool.allocate(byteCount: 1 << 20)
        pool.release(small, byteCount: 1 << 20)
        #expect(pool.cachedBytes == 1 << 20)
        let large = pool.allocate(byteCount: 2 << 20)
        #expect(pool.cachedBytes == 0)
        pool.release(large, byteCount: 2 << 20)
        #expect(pool.cachedBytes == 2 << 20)
        pool.trim()
    }

    // Below that bound a miss keeps the cache: after two 2 MiB buffers were out at once, one cached 2 MiB
    // buffer and a fresh 1 MiB one (3 MiB) stay under the 4 MiB an allocator without a cache reached.
    @Test func missesBelowThePeakKeepTheCache() {
        let pool = BufferPool(capacityBytes: 8 << 20)
        let a = pool.allocate(byteCount: 2 << 20), b = pool.allocate(byteCount: 2 << 20)
        pool.release(a, byteCount: 2 << 20)
        pool.trim()
        pool.release(b, byteCount: 2 << 20)
        let c = pool.allocate(byteCount: 1 << 20)
        #expect(pool.cachedBytes == 2 << 20)
        let d = pool.allocate(byteCount: 3 << 20)  // 1 + 3 + 2 cached > 4 + 4/16: the cached buffer goes
        #expect(pool.cachedBytes == 0)
        pool.release(c, byteCount: 1 << 20)
        pool.release(d, byteCount: 3 << 20)
        pool.trim()
    }

    // Storage asked to be zeroed is zero even when its buffer is recycled from a dirty tensor.
    @Test func recycledStorageIsZeroed() {
        let count = BufferPool.minimumBytes  // floats: 4× the pool threshold
        do {
            let dirty = Tensor([Float](repeating: 7, count: count), shape: [count])
            #expect(dirty.scalars[0] == 7)
        }
        let clean = Tensor(shape: [count])
        #expect(clean.scalars.allSatisfy { $0 == 0 })
    }
}
