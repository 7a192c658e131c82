import Foundation
import Testing
@testable import Tensor

/// The kernel level in force, and the `VANS_CPU` cap that `make test` uses to run the kernel suites once
/// per level the machine has (scripts/test-kernel-levels.sh).
@Suite("Kernel levels")
struct KernelLevelTests {
    // The level in force never exceeds what the CPU supports, and no family runs above it.
    @Test func levelsNeverExceedTheCPU() {
        #expect(KernelLevel.current <= KernelLevel.detected)
        for family in KernelLevel.Family.allCases { #expect(KernelLevel.level(of: family) <= KernelLevel.current) }
        if KernelLevel.detected == .avx512 { #expect(CPUFeatures.hasAVX512F && CPUFeatures.hasAVX2) }
        if KernelLevel.detected >= .avx2 { #expect(CPUFeatures.hasAVX2) }
    }

    // A named level applies to every family, so a per-level run really exercises that level's code. The
    // per-level script sets VANS_CPU_STRICT=1: then a request the CPU cannot honour fails instead of
    // silently running a lower level under that level's name.
    @Test func requestedLevelIsHonoured() {
        let environment = ProcessInfo.processInfo.environment
        guard let raw = environment["VANS_CPU"], raw != "auto", !raw.isEmpty else {
            #expect(!KernelLevel.isForced)
            return
        }
        #expect(KernelLevel.invalidRequest == nil, "VANS_CPU=\(raw) is not baseline, avx2, avx512 or auto")
        guard let requested = KernelLevel.requested else { return }
        #expect(KernelLevel.isForced)
        if environment["VANS_CPU_STRICT"] == "1" {
            #expect(KernelLevel.current == requested, "VANS_CPU=\(raw) but this CPU only has \(KernelLevel.detected)")
        }
        #expect(KernelLevel.current == min(requested, KernelLevel.detected))
        for family in KernelLevel.Family.allCases { #expect(KernelLevel.level(of: family) == KernelLevel.current) }
    }
}
