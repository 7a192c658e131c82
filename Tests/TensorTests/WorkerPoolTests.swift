import Dispatch
import Synchronization
import Testing
@testable import Tensor

@Suite("Worker pool")
struct WorkerPoolTests {
    /// Counts how often each chunk ran.
    final class Tally: Sendable {
        let counts: Mutex<[Int]>
        init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
        func hit(_ i: Int) { counts.withLock { $0[i] += 1 } }
        var values: [Int] { counts.withLock { $0 } }
    }

    // Every chunk of every job runs exactly once, job after job, with workers spinning or asleep.
    @Test func eachChunkRunsOnce() {
        for spin in [0, 50] {
            let pool = WorkerPool(workers: 3, spinMicroseconds: spin)
            for job in 0..<5000 {
                let chunks = 2 + job % 7
                let tally = Tally(chunks)
                #expect(pool.run(chunks: chunks) { tally.hit($0) })
                #expect(tally.values == [Int](repeating: 1, count: chunks))
            }
        }
    }

    // A nested or concurrent caller finds the pool busy (run returns false and runs nothing), so it can fall
    // back to running serially; Parallel.forEach does that and covers the range exactly once.
    @Test func busyPoolFallsBack() {
        let pool = WorkerPool(workers: 2, spinMicroseconds: 20)
        let nested = Mutex(0)
        #expect(pool.run(chunks: 4) { _ in
            if !pool.run(chunks: 3, { _ in }) { nested.withLock { $0 += 1 } }
        })
        #expect(nested.withLock { $0 } == 4)

        let total = 100_000
        let tally = Tally(total)
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            Parallel.forEach(count: total / 8, minimumChunk: 100) { range in
                for i in range { tally.hit(caller * (total / 8) + i) }
            }
        }
        #expect(tally.values.allSatisfy { $0 == 1 })
    }
}
