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
