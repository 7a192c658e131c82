import ArgumentParser
import Foundation
import Tensor

struct SystemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Report what the engine detected on this machine.",
        subcommands: [SystemInfoCommand.self]
    )
}

/// `vans system info`: CPU features, the BLAS library and core type, thread count.
struct SystemInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print CPU features, the kernel level, the BLAS library and core type the engine chose, and its thread count.",
        discussion: "Exit code 0 on success, 1 when the BLAS library cannot be loaded (the report still prints)."
    )

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    struct Report: Codable {
        var cpuFeatures: [String: Bool]
        /// The C kernels' instruction-set level in force, what the CPU supports, and VANS_CPU as given.
        var kernelLevel: String
        var detectedKernelLevel: String
        var kernelLevelRequest: String?
        /// Per kernel family, where it differs from `kernelLevel` (a 256-bit preference on this CPU).
        var kernelFamilyLevels: [String: String]
        var threads: Int
        var workerSpinMicroseconds: Int
        var bufferCacheBytes: Int
        var blas: BLAS.Information?
        var blasError: String?
    }

    func run() async throws {
        var report = Report(
            cpuFeatures: ["avx2": CPUFeatures.hasAVX2, "f16c": CPUFeatures.hasF16C,
                          "avx512f": CPUFeatures.hasAVX512F, "avx512_bf16": CPUFeatures.hasAVX512BF16],
            kernelLevel: KernelLevel.current.description, detectedKernelLevel: KernelLevel.detected.description,
            kernelLevelRequest: ProcessInfo.processInfo.environment["VANS_CPU"].flatMap { $0.isEmpty ? nil : $0 },
            kernelFamilyLevels: Dictionary(uniqueKeysWithValues: KernelLevel.Family.allCases
                .filter { KernelLevel.level(of: $0) != KernelLevel.current }
                .map { ($0.description, KernelLevel.level(of: $0).description) }),
            threads: Parallel.threadCount, workerSpinMicroseconds: Parallel.workerSpinMicroseconds,
            bufferCacheBytes: BufferPool.shared.capacityBytes, blas: nil, blasError: nil)
        do { report.blas = try BLAS.information() } catch { report.blasError = "\(error)" }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let features = report.cpuFeatures.keys.sorted().map { "\($0)=\(report.cpuFeatures[$0]! ? "yes" : "no")" }
            print("CPU features:   \(features.joined(separator: " "))")
            var level = "\(report.kernelLevel) (CPU supports \(report.detectedKernelLevel)"
            if let request = report.kernelLevelRequest { level += "; VANS_CPU=\(request)" }
            if KernelLevel.invalidRequest != nil { level += ", not understood, so auto: use baseline, avx2, avx512 or auto" }
            level += ")"
            print("Kernel level:   \(level)")
            for (family, familyLevel) in report.kernelFamilyLevels.sorted(by: { $0.key < $1.key }) {
                print("                \(family) at \(familyLevel) (faster on this CPU)")
            }
            print("Engine threads: \(report.threads) (idle workers spin \(report.workerSpinMicroseconds) µs; buffer cache up to \(report.bufferCacheBytes >> 20) MiB)")
            if let blas = report.blas {
                print("BLAS library:   \(blas.libraryPath)")
                print("BLAS core:      \(blas.coreName) (OPENBLAS_CORETYPE set by engine: \(blas.chosenCoreType.isEmpty ? "no, left to OpenBLAS" : blas.chosenCoreType))")
                print("BLAS config:    \(blas.configuration)")
                print("BLAS threads:   \(blas.threads); cblas_sbgemm: \(blas.exportsBF16Gemm ? "yes" : "no (bf16 gemm widens to float32 + sgemm)")")
            }
        }
        if let message = report.blasError {
            if !json { FileHandle.standardError.write(Data("error: \(message)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}
