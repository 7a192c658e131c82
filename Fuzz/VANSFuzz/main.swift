// libFuzzer driver: `VANS_FUZZ_TARGET=<name> VANSFuzz [libFuzzer options] CORPUS…` (see scripts/fuzz.sh and
// `make fuzz`). Built with -sanitize=fuzzer,address. SwiftPM links an executable's main under its own name
// (`--defsym main=VANSFuzz_main`), so this main calls libFuzzer's documented LLVMFuzzerRunDriver; the entry
// point is still exported as LLVMFuzzerTestOneInput, which libFuzzer's own main (pulled from its archive)
// needs to link.
import FuzzTargets
import Foundation

private let target: FuzzTarget? = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["VANS_FUZZ_TARGET"] ?? "")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    target?.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

guard target != nil else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("VANS_FUZZ_TARGET must be one of: \(names)\n".utf8))
    exit(2)
}
var argumentCount = CommandLine.argc
var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argumentCount, &arguments, fuzzOneInput))
