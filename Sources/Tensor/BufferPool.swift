import Foundation

/// Keeps freed large buffers for reuse. A model step allocates and frees the same activation sizes
/// over and over; handing each one back to the C allocator returns its pages to the kernel (glibc
/// trims the heap top and unmaps large chunks), so the next step page-faults them all in again. Small
/// buffers (below `minimumBytes`) go straight to the allocator, which reuses them well.
///
/// Sizes are rounded up to one of 8 classes per power of two (at most 12.5% slack); the cache holds at
/// most `capacityBytes`, set by `VANS_BUFFER_CACHE_MB` (0 turns caching off), by default an eighth of
/// physical memory capped at 2 GiB. Caching raises the peak by at most a sixteenth: buffers handed out plus
/// buffers cached stay within 1/16 over the most ever handed out at once (what an allocator without a cache
/// would have reached), and a request the cache cannot serve frees cached buffers (largest first) only as far
/// as that bound needs. Without the sixteenth, a step whose peak recurs in every layer (a Wan DiT block's FFN)
/// must drop everything else cached at that peak and page-fault it back in after; an earlier rule — free the
/// request's size on every miss — drained the cache even faster (30-odd misses per DiT layer, ~6 GB of page
/// faults per step).
public final class BufferPool: @unchecked Sendable {
    /// The pool every CPU `Storage` allocates from.
    public static let shared = BufferPool(capacityBytes: BufferPool.configuredCapacity())

    /// Buffers smaller than this bypass the pool.
    public static let minimumBytes = 256 << 10
    /// Alignment of every buffer (a cache line; AVX-512 loads).
    public static let alignment = 64

    /// Most bytes kept cached.
    public let capacityBytes: Int
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cached = 0
    /// Pooled bytes handed out and not yet released, and the most that has ever been.
    private var inUse = 0
    private var peakInUse = 0

    init(capacityBytes: Int) { self.capacityBytes = max(0, capacityBytes) }

    /// Bytes held for reuse now.
    public var cachedBytes: Int { lock.withLock { cached } }

    /// The allocation size `byteCount` is served with.
    static func sizeClass(_ byteCount: Int) -> Int {
        guard byteCount >= minimumBytes else { return byteCount }
        let power = Int.bitWidth - 1 - (byteCount - 1).leadingZeroBitCount  // floor(log2(byteCount - 1))
        let step = 1 << (power - 3)
        return (byteCount + step - 1) / step * step
    }

    /// A buffer of at least `byteCount` bytes (its size class), uninitialised.
    ///
    /// On a miss, cached buffers of other sizes are freed first (largest first) while handed-out plus cached
    /// bytes would pass the largest amount ever handed out by more than a sixteenth.
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = Self.sizeClass(byteCount)
        if size >= Self.minimumBytes, capacityBytes > 0 {
            var evicted: [UnsafeMutableRawPointer] = []
            let reused: UnsafeMutableRawPointer? = lock.withLock {
                inUse += size
                peakInUse = Swift.max(peakInUse, inUse)
                if let pointer = take(size) { return pointer }
                while inUse + cached > peakInUse + peakInUse / 16, let largest = free.keys.max(), let pointer = take(largest) {
                    evicted.append(pointer)
                }
                return nil
            }
            for pointer in evicted { pointer.deallocate() }
            if let reused { return reused }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Self.alignment)
    }

    /// Removes a cached buffer of class `size`; the caller holds the lock. Empty classes leave the map,
    /// so every key has a buffer to give.
    private func take(_ size: Int) -> UnsafeMutableRawPointer? {
        guard let pointer = free[size]?.popLast() else { return nil }
        if free[size]!.isEmpty { free[size] = nil }
        cached -= size
        return pointer
    }

    /// Returns a buffer `allocate(byteCount:)` gave out for the same `byteCount`.
    func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        let size = Self.sizeClass(byteCount)
        if size >= Self.minimumBytes, capacityBytes > 0 {
            let kept: Bool = lock.withLock {
                inUse -= size
                guard cached + size <= capacityBytes else { return false }
                free[size, default: []].append(pointer)
                cached += size
                return true
            }
            if kept { return }
        }
        pointer.deallocate()
    }

    /// Frees every cached buffer (for example before a phase that needs the memory elsewhere).
    public func trim() {
        let buffers: [UnsafeMutableRawPointer] = lock.withLock {
            defer { free.removeAll(); cached = 0 }
            return free.values.flatMap { $0 }
        }
        for pointer in buffers { pointer.deallocate() }
    }

    static func configuredCapacity() -> Int {
        if let text = ProcessInfo.processInfo.environment["VANS_BUFFER_CACHE_MB"], let megabytes = Int(text), megabytes >= 0 {
            return megabytes << 20
        }
        return Int(min(ProcessInfo.processInfo.physicalMemory / 8, 2 << 30))
    }
}
