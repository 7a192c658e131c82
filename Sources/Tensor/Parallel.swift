import Dispatch
import Foundation

/// The engine's parallel-for. Kernels take a work range; `Parallel.forEach` partitions
/// `0..<count` into at most `threadCount` contiguous chunks and runs them concurrently on the
/// engine's `WorkerPool` (the calling thread takes chunks too). Results
/// never depend on the partition (each chunk writes its own outputs), so they are identical for
/// any thread count.
public enum Parallel {
    /// Worker count: `VANS_NUM_THREADS`, else `OMP_NUM_THREADS`, else the active processor count
    /// (what PyTorch uses by default).
    public static let threadCount: Int = {
        let environment = ProcessInfo.processInfo.environment
        for key in ["VANS_NUM_THREADS", "OMP_NUM_THREADS"] {
            if let text = environment[key], let value = Int(text), value > 0 { return value }
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// How long idle workers spin before sleeping, in microseconds (`VANS_SPIN_MICROSECONDS`, default 100).
    public static var workerSpinMicroseconds: Int { WorkerPool.configuredSpin }

    /// Runs `body` over disjoint sub-ranges covering `0..<count`. Work is split only when each
    /// chunk gets at least `minimumChunk` items (the cost of a thread hand-off is a few µs).
    public static func forEach(count: Int, minimumChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, max(1, count / max(1, minimumChunk)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        func run(_ chunk: Int) {
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
        // A nested call (from inside a chunk) or a second caller finds the pool busy and runs serially.
        if !WorkerPool.shared.run(chunks: chunks, { run($0) }) {
            for chunk in 0..<chunks { run(chunk) }
        }
    }
}

/// A pointer that may cross into the parallel-for's closures. Chunks write disjoint ranges, which
/// is what makes this sound.
public struct SendablePointer<Pointee>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Pointee>
    public init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
    public init(_ base: UnsafePointer<Pointee>) { self.base = UnsafeMutablePointer(mutating: base) }
}
