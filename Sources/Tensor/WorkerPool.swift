import CKernels
import Foundation
import Synchronization

/// The engine's persistent worker threads. A model step is hundreds of small kernels back to back; waking
/// sleeping threads for each one (what `DispatchQueue.concurrentPerform` does) costs tens of microseconds
/// per op on a virtual machine, more than a 64K-element kernel itself. Workers here spin briefly after each
/// job (`VANS_SPIN_MICROSECONDS`, default 100: long enough to catch the next op of a chain, short enough not
/// to hold cores from BLAS's own threads) and then sleep on a condition.
///
/// One job runs at a time. A caller that finds the pool busy — a nested parallel-for inside a chunk, or a
/// second thread — runs its chunks itself, so the pool never deadlocks.
final class WorkerPool: @unchecked Sendable {
    /// The pool `Parallel.forEach` uses: `Parallel.threadCount - 1` workers (the caller is the last one).
    static let shared = WorkerPool(workers: Parallel.threadCount - 1, spinMicroseconds: configuredSpin)

    let workerCount: Int
    private let spinNanoseconds: UInt64
    /// `generation << 32 | chunks left to claim`: claiming a chunk is one compare-exchange that also proves
    /// the job is still the one the claimer looked at (chunks are claimed last first, so a claimer never
    /// reads anything the next job's submitter may be writing).
    private let state = Atomic<Int>(0)
    /// Chunks of the current job not finished yet.
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let condition = NSCondition()
    // Written by the submitter before it publishes a generation; read only after claiming a chunk of that
    // generation, and the submitter does not return (nor start another job) until every chunk has finished.
    private var body: ((Int) -> Void)? = nil

    init(workers: Int, spinMicroseconds: Int) {
        workerCount = max(0, workers)
        spinNanoseconds = UInt64(max(0, spinMicroseconds)) * 1000
        for index in 0..<workerCount {
            // Workers hold the pool: a pool lives as long as the process (the engine makes one).
            let thread = Thread { self.workerLoop() }
            thread.name = "vans-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// `VANS_SPIN_MICROSECONDS`, else 100.
    static let configuredSpin: Int = {
        if let text = ProcessInfo.processInfo.environment["VANS_SPIN_MICROSECONDS"], let value = Int(text), value >= 0 {
            return value
        }
        return 100
    }()

    private static func generation(_ state: Int) -> Int { state >> 32 }

    /// Runs `body(0..<chunks)` across the workers and the calling thread; returns false (having run
    /// nothing) when the pool is busy with another job.
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard workerCount > 0, chunks > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        withoutActuallyEscaping(body) { escapable in
            self.body = escapable
            remaining.store(chunks, ordering: .sequentiallyConsistent)
            let next = (Self.generation(state.load(ordering: .relaxed)) + 1) & 0x7FFF_FFFF
            state.store(next << 32 | chunks, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            work(generation: next)
            // Spin for the stragglers, yielding once it takes a while: a worker preempted mid-chunk on an
            // oversubscribed machine needs this core more than the spinning caller does.
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins < 4096 { vans_cpu_relax() } else { sched_yield() }
            }
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Claims and runs chunks of job `generation` until none are left.
    private func work(generation: Int) {
        while true {
            let current = state.load(ordering: .acquiring)
            guard Self.generation(current) == generation else { return }
            let left = current & 0xFFFF_FFFF
            guard left > 0 else { return }
            guard state.compareExchange(expected: current, desired: current - 1, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            body?(left - 1)
            remaining.subtract(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var current = Self.generation(state.load(ordering: .acquiring))
            if current == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while current == seen, spinNanoseconds > 0 {
                    vans_cpu_relax()
                    spins += 1
                    if spins & 255 == 0, DispatchTime.now().uptimeNanoseconds - start > spinNanoseconds { break }
                    current = Self.generation(state.load(ordering: .acquiring))
                }
                if current == seen {
                    condition.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while Self.generation(state.load(ordering: .sequentiallyConsistent)) == seen { condition.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    condition.unlock()
                    current = Self.generation(state.load(ordering: .acquiring))
                }
            }
            seen = current
            work(generation: current)
        }
    }
}
