import Foundation
import CKernels

/// The BLAS library behind matrix products: OpenBLAS loaded with dlopen at first use, after the
/// engine picks `OPENBLAS_CORETYPE` for the CPU (see engine_blas.c), with Parallel's thread count.
public enum BLAS {
    private static let loadResult: String? = {
        var buffer = [CChar](repeating: 0, count: 512)
        if vans_blas_load(&buffer, buffer.count) != 0 {
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        vans_blas_set_threads(Int32(Parallel.threadCount))
        return nil
    }()

    /// Loads the library (once); throws `TensorError.blasUnavailable` with the reason on failure.
    public static func load() throws {
        if let message = loadResult { throw TensorError.blasUnavailable(message) }
    }

    /// Runs `work` over `0..<count` where `work` issues `vans_sgemm_unlocked` calls (see ckernels.h): split over
    /// the engine's workers with OpenBLAS single-threaded (the thread-count lock held exclusively) when
    /// `onWorkers`, else in one piece on this thread holding the lock shared.
    static func runUnlockedSgemms(count: Int, onWorkers: Bool, _ work: @Sendable (Range<Int>) -> Void) {
        if onWorkers {
            vans_blas_single_threaded_begin()
            Parallel.forEach(count: count, work)
            vans_blas_single_threaded_end(Int32(Parallel.threadCount))
        } else {
            vans_blas_lock_shared()
            work(0..<count)
            vans_blas_unlock_shared()
        }
    }

    /// C = A·B (op(A) [m, k], op(B) [k, n], C [m, n], row-major, β = 0) split over the engine's workers by rows of C
    /// (or by columns when C is short), each part a single-threaded sgemm. OpenBLAS's own threads are never woken:
    /// after a multi-threaded call they spin for ~0.1 s on the cores the engine's workers need for the elementwise
    /// ops between products. Small products, or ones too narrow to split, take one plain call.
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let threads = Parallel.threadCount, alignment = 16
        let splitsRows = m >= 4 * alignment * threads, splitsColumns = !splitsRows && n >= 4 * alignment * threads
        guard threads > 1, m * n * k >= 1 << 20, splitsRows || splitsColumns else {
            vans_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), 1, a, Int64(lda), b, Int64(ldb), 0,
                       c, Int64(ldc))
            return
        }
        let (pa, pb, pc) = (SendablePointer(a), SendablePointer(b), SendablePointer(c))
        let extent = splitsRows ? m : n
        runUnlockedSgemms(count: threads, onWorkers: true) { parts in
            for part in parts {
                // Part boundaries on multiples of 16 (whole micro-kernel tiles).
                let low = extent * part / threads / alignment * alignment
                let high = part == threads - 1 ? extent : extent * (part + 1) / threads / alignment * alignment
                guard low < high else { continue }
                if splitsRows {
                    let rowsOfA = transposeA ? pa.base + low : pa.base + low * lda
                    vans_sgemm_unlocked(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(high - low), Int64(n), Int64(k), 1,
                                        rowsOfA, Int64(lda), pb.base, Int64(ldb), 0, pc.base + low * ldc, Int64(ldc))
                } else {
                    let columnsOfB = transposeB ? pb.base + low * ldb : pb.base + low
                    vans_sgemm_unlocked(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(high - low), Int64(k), 1,
                                        pa.base, Int64(lda), columnsOfB, Int64(ldb), 0, pc.base + low, Int64(ldc))
                }
            }
        }
    }

    /// Loads or traps: matrix products cannot run without BLAS (a setup error, reported clearly).
    static func ensureLoaded() {
        if let message = loadResult { fatalError("BLAS unavailable: \(message)") }
    }

    /// What was loaded, for `vans system info`.
    public struct Information: Sendable, Codable {
        public var libraryPath: String
        public var coreName: String
        public var chosenCoreType: String
        public var configuration: String
        public var threads: Int
        public var exportsBF16Gemm: Bool
    }

    /// Details of the loaded library (loads it first).
    public static func information() throws -> Information {
        try load()
        return Information(
            libraryPath: String(cString: vans_blas_library_path()), coreName: String(cString: vans_blas_core_name()),
            chosenCoreType: String(cString: vans_blas_chosen_core_type()), configuration: String(cString: vans_blas_config()),
            threads: Int(vans_blas_threads()), exportsBF16Gemm: vans_blas_has_sbgemm() != 0)
    }
}

/// CPU features the kernels dispatch on.
public enum CPUFeatures {
    public static var hasAVX2: Bool { vans_cpu_has_avx2() != 0 }
    public static var hasF16C: Bool { vans_cpu_has_f16c() != 0 }
    public static var hasAVX512F: Bool { vans_cpu_has_avx512f() != 0 }
    public static var hasAVX512BF16: Bool { vans_cpu_has_avx512bf16() != 0 }
}

/// The instruction-set level the C kernels run at: the highest the CPU supports, capped by
/// `VANS_CPU=baseline|avx2|avx512|auto` (read once per process). In `auto`, a few kernel families
/// run at 256 bits on CPUs where that is measured faster; a named level applies to every family, which
/// is how `make test` runs the kernel conformance suites once per level the machine has.
public enum KernelLevel: Int, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case baseline = 0, avx2 = 1, avx512 = 2

    /// The kernel families that dispatch separately (`VansKernelFamily` in ckernels.h).
    public enum Family: Int32, Sendable, CaseIterable, CustomStringConvertible {
        case vectorMath = 0, attention, normalization, rotary, convolution, conversion
        public var description: String {
            switch self {
            case .vectorMath: "vector math"
            case .attention: "attention"
            case .normalization: "normalization"
            case .rotary: "rotary"
            case .convolution: "convolution"
            case .conversion: "conversion"
            }
        }
    }

    /// The `VANS_CPU` spelling of the level.
    public var description: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    public static func < (lhs: KernelLevel, rhs: KernelLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The highest level this CPU and OS support.
    public static var detected: KernelLevel { KernelLevel(rawValue: Int(vans_cpu_detected_level())) ?? .baseline }
    /// The level in force: `detected`, capped by `VANS_CPU`.
    public static var current: KernelLevel { KernelLevel(rawValue: Int(vans_cpu_level())) ?? .baseline }
    /// True when `VANS_CPU` named a level, so every family runs at `current`.
    public static var isForced: Bool { vans_cpu_level_forced() != 0 }
    /// What `VANS_CPU` asked for (nil: auto or unset); above `detected` it is capped.
    public static var requested: KernelLevel? { KernelLevel(rawValue: Int(vans_cpu_level_requested())) }
    /// The raw `VANS_CPU` value when it is not one of baseline, avx2, avx512, auto (then treated as auto).
    public static var invalidRequest: String? {
        vans_cpu_level_request_invalid() != 0 ? ProcessInfo.processInfo.environment["VANS_CPU"] : nil
    }
    /// The level one kernel family runs at.
    public static func level(of family: Family) -> KernelLevel {
        KernelLevel(rawValue: Int(vans_cpu_kernel_level(family.rawValue))) ?? .baseline
    }
}
