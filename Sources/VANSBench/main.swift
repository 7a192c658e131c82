// VANSBench: engine workloads timed against PyTorch by scripts/bench/run.sh (`make bench`).
import Foundation
import Tensor

let usage = """
    USAGE: VANSBench --list | --serve | --run NAME [--repetitions N] | --peak-memory NAME

      --list              print the workload names and what each one computes
      --serve             read workload names from stdin, one per line; run each once and print
                          "NAME MILLISECONDS" (inputs are built on first use, outside the timing)
      --run NAME          run one workload N times (default 5) and print each time in ms
      --peak-memory NAME  run one workload once in this process and print the growth of the peak
                          resident set during the step over the resident set before it, in bytes
      --read-bandwidth    print the machine's read bandwidth in bytes/s (all engine threads summing
                          a 512 MB buffer; best of 5)
    Threads: VANS_NUM_THREADS (scripts/bench/run.sh sets 2).
    """

/// Exit codes: 0 success, 2 bad usage or unknown workload.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("VANSBench: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}

func workload(named name: String) -> Workload {
    guard let found = workloads.first(where: { $0.name == name }) else {
        fail("unknown workload '\(name)' (known: \(workloads.map(\.name).joined(separator: ", ")))")
    }
    return found
}

/// Milliseconds one call of `step` takes.
func time(_ step: () -> Float) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let sink = step()
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    if sink.isNaN { FileHandle.standardError.write(Data("VANSBench: NaN result\n".utf8)) }
    return elapsed
}

/// Current resident set size in bytes (Linux /proc/self/statm).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// Peak resident set size (VmHWM) in bytes since the last `resetPeakResident()`.
func peakResidentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kilobytes * 1024
}

/// Resets the kernel's peak-RSS mark to the current RSS (Linux: "5" into /proc/self/clear_refs).
func resetPeakResident() {
    try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))
}

/// Writes one unbuffered line to stdout (the driver waits for each answer).
func reply(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "--list":
    for item in workloads { print("\(item.name)\t\(item.summary)") }
case "--serve":
    var prepared: [String: () -> Float] = [:]
    while let line = readLine() {
        let name = line.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { continue }
        guard let item = workloads.first(where: { $0.name == name }) else {
            reply("\(name) error unknown-workload")
            continue
        }
        let step = prepared[name] ?? item.prepare()
        prepared[name] = step
        reply("\(name) \(String(format: "%.3f", time(step)))")
    }
case "--run":
    guard arguments.count >= 2 else { fail("--run needs a workload name") }
    var repetitions = 5
    if arguments.count >= 4, arguments[2] == "--repetitions" {
        guard let count = Int(arguments[3]), count > 0 else { fail("--repetitions needs a positive integer") }
        repetitions = count
    }
    let step = workload(named: arguments[1]).prepare()
    for _ in 0..<repetitions { print(String(format: "%.3f", time(step))) }
case "--peak-memory":
    guard arguments.count == 2 else { fail("--peak-memory needs exactly one workload name") }
    let step = workload(named: arguments[1]).prepare()
    resetPeakResident()
    let before = residentBytes()
    _ = step()
    print(max(0, peakResidentBytes() - before))
case "--read-bandwidth":
    print(String(format: "%.0f", ReadBandwidth.measure()))
case "--help", "-h":
    print(usage)
default:
    fail(arguments.isEmpty ? "no command given" : "unknown argument '\(arguments[0])'")
}
