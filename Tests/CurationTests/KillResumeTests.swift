// kill -9 in the middle of `vans data curate` (a subprocess of the built binary), rerun the same command:
// the manifest equals that of an uninterrupted run.
import Curation
import Data
import Foundation
import Testing

/// The `vans` binary next to the test bundle (built by `swift build --build-tests`), or `$VANS_BINARY`.
let vansBinary: URL? = {
    if let path = ProcessInfo.processInfo.environment["VANS_BINARY"] { return URL(fileURLWithPath: path) }
    var candidates: [URL] = []
    if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for directory in candidates {
        var url = directory
        for _ in 0..<4 {
            let binary = url.appendingPathComponent("vans")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
            url.deleteLastPathComponent()
        }
    }
    return nil
}()

/// Starts the `vans` binary with `arguments` (and `environment` over this process's), standard output and error
/// appended to `log`, which failure messages quote.
func startVans(_ binary: URL, _ arguments: [String], environment: [String: String] = [:], log: URL) throws -> Process {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
    let handle = try FileHandle(forWritingTo: log)
    handle.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    try handle.close()
    return process
}

/// What a `startVans` log holds so far.
func logText(_ log: URL) -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

@Suite(.serialized) struct KillResumeTests {
    func makeInputs(_ root: URL, videos: Int) throws -> URL {
        let folder = root.appendingPathComponent("coin")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var entries: [String] = []
        for index in 0..<videos {
            try writeTestVideo(folder.appendingPathComponent("v\(index).mp4"), seed: UInt64(index + 10))
            entries.append(#""v\#(index)": {"subset": "training", "annotation": [{"id": "1", "segment": [0, 4], "label": "step one of \#(index)"}, "#
                           + #"{"id": "2", "segment": [4, 8], "label": "step two of \#(index)"}, {"id": "3", "segment": [8, 12], "label": "step three of \#(index)"}]}"#)
        }
        try write(#"{"database": {"# + entries.joined(separator: ",") + "}}", "COIN.json", in: root)
        return try write(#"{"sources": [{"name": "coin", "format": "coin", "annotations": "COIN.json", "videos": "coin"}]}"#, "sources.json", in: root)
    }

    func launch(_ binary: URL, config: URL, out: URL, stallAfterSamples: Int? = nil) throws -> Process {
        try startVans(binary, ["data", "curate", "--sources", config.path, "--out", out.path, "--json"],
                      environment: stallAfterSamples.map { ["VANS_CURATE_STALL_AFTER_SAMPLES": "\($0)"] } ?? [:], log: Self.errorLog(out))
    }

    static func errorLog(_ out: URL) -> URL { out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".log") }

    static func errors(_ out: URL) -> String { logText(errorLog(out)) }

    // SIGKILL after the first samples are recorded, then the same command again: same manifest as one clean run, no sample written twice.
    @Test(.enabled(if: vansBinary != nil, "the vans binary is not built next to the tests (swift build --build-tests), or set VANS_BINARY"))
    func killNineThenRerunMatchesAnUninterruptedRun() async throws {
        let binary = try #require(vansBinary)
        let root = try scratchDirectory("kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try makeInputs(root, videos: 6)
        let clean = root.appendingPathComponent("clean")
        let straight = try launch(binary, config: config, out: clean)
        straight.waitUntilExit()
        #expect(straight.terminationStatus == 0, Comment(rawValue: Self.errors(clean)))
        let expected = try Data(contentsOf: clean.appendingPathComponent(Manifest.fileName))
        #expect(Manifest.parse(expected).samples.count == 12)

        let killed = root.appendingPathComponent("killed")
        // The victim stalls after its second sample (however loaded the machine, the kill lands mid-run).
        let victim = try launch(binary, config: config, out: killed, stallAfterSamples: 2)
        let jobs = killed.appendingPathComponent("jobs.sqlite").path
        let deadline = Date().addingTimeInterval(600)  // the victim cannot finish (it stalls); a loaded machine is slow
        var seen = 0
        while victim.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: jobs), let table = try? JobTable(path: jobs, readOnly: true),
               let units = try? table.units(stage: "sample") {
                seen = units.count
                if seen >= 2 { break }
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal, "the run was killed, not finished: \(Self.errors(killed))")
        #expect(seen >= 2 && seen < 12, "killed mid-run (\(seen) samples recorded)")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent(Manifest.fileName).path))

        let rerun = try launch(binary, config: config, out: killed)
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0, Comment(rawValue: Self.errors(killed)))
        let actual = try Data(contentsOf: killed.appendingPathComponent(Manifest.fileName))
        #expect(actual == expected)
        let table = try JobTable(path: jobs)
        #expect(try table.units(stage: "sample").allSatisfy { $0.attempts == 1 }, "no sample recorded twice")
    }

    // SIGKILL at random moments rather than at a hook — inside a clip cut, a SQLite transaction or the manifest write,
    // whatever is running then — one or two kills per output directory before the final rerun: every rerun ends at
    // the manifest of an uninterrupted run. The seed of the moments is in every failure message.
    @Test(.enabled(if: vansBinary != nil, "the vans binary is not built next to the tests (swift build --build-tests), or set VANS_BINARY"))
    func killNineAtRandomMomentsThenRerun() async throws {
        let binary = try #require(vansBinary)
        let root = try scratchDirectory("kill-random")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try makeInputs(root, videos: 6)
        let clean = root.appendingPathComponent("clean")
        let started = Date()
        let straight = try launch(binary, config: config, out: clean)
        straight.waitUntilExit()
        let duration = Date().timeIntervalSince(started)
        let expected = try Data(contentsOf: clean.appendingPathComponent(Manifest.fileName))
        let seed = UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        for round in 0..<4 {
            let out = root.appendingPathComponent("killed-\(round)")
            let fractions = (0..<(1 + round % 2)).map { _ in Double.random(in: 0.05...0.95, using: &random) }
            // A kill that comes after the run finished (the machine got faster) tests nothing: start the round
            // again with every moment halved. Up to 2^11 smaller: the clean run's duration is measured while other
            // suites load the machine, and an unloaded rerun can be 30× quicker (one CI run missed at 1/16).
            var moments: [Double] = [], landed = false
            for attempt in 0..<12 where !landed {
                try? FileManager.default.removeItem(at: out)
                moments = fractions.map { duration * $0 / pow(2, Double(attempt)) }
                landed = true
                for moment in moments {
                    let victim = try launch(binary, config: config, out: out)
                    try await Task.sleep(nanoseconds: UInt64(moment * 1e9))
                    if victim.isRunning { kill(victim.processIdentifier, SIGKILL) } else { landed = false }
                    victim.waitUntilExit()
                }
            }
            #expect(landed, "seed \(seed), round \(round): no kill landed before the run finished")
            let rerun = try launch(binary, config: config, out: out)
            rerun.waitUntilExit()
            #expect(rerun.terminationStatus == 0, "seed \(seed), round \(round), kills at \(moments) s: \(Self.errors(out))")
            let actual = try Data(contentsOf: out.appendingPathComponent(Manifest.fileName))
            #expect(actual == expected, "seed \(seed), round \(round), kills at \(moments) s")
            let samples = try JobTable(path: out.appendingPathComponent("jobs.sqlite").path).units(stage: "sample")
            #expect(samples.allSatisfy { $0.attempts == 1 }, "seed \(seed), round \(round): a sample was recorded twice")
        }
    }
}

/// A small seeded generator, so a failing run's kill moments can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
