// The machine's read bandwidth as the engine's threads see it: every thread sums its share of a
// 512 MB buffer with wide vector loads. `make bench` divides the bytes a memory-bound workload must
// read by its time and reports the fraction of this rate.
import Tensor

enum ReadBandwidth {
    static let byteCount = 512 << 20

    /// Bytes per second, the best of `repetitions` timed passes over a buffer already faulted in.
    static func measure(repetitions: Int = 5) -> Double {
        let count = byteCount / MemoryLayout<Float>.stride
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        let base = SendablePointer(buffer)
        var best = Double.infinity
        var sink: Float = 0
        for _ in 0..<repetitions {
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                let chunks = Parallel.threadCount
                let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks)
                defer { partial.deallocate() }
                let sums = SendablePointer(partial)
                Parallel.forEach(count: chunks) { range in
                    for chunk in range {
                        let start = count / chunks * chunk, end = chunk == chunks - 1 ? count : count / chunks * (chunk + 1)
                        var a = SIMD16<Float>(repeating: 0), b = a
                        var index = start
                        while index + 32 <= end {
                            a += UnsafeRawPointer(base.base + index).loadUnaligned(as: SIMD16<Float>.self)
                            b += UnsafeRawPointer(base.base + index + 16).loadUnaligned(as: SIMD16<Float>.self)
                            index += 32
                        }
                        var total = (a + b).sum()
                        while index < end { total += base.base[index]; index += 1 }
                        sums.base[chunk] = total
                    }
                }
                for chunk in 0..<chunks { sink += partial[chunk] }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = Swift.min(best, seconds)
        }
        precondition(sink > 0)
        return Double(byteCount) / best
    }
}
