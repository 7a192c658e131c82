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
        let process = Process()
        if let stallAfterSamples {
            process.environment = ProcessInfo.processInfo.environment.merging(["VANS_CURATE_STALL_AFTER_SAMPLES": "\(stallAfterSamples)"]) { $1 }
        }
        process.executableURL = binary
        process.arguments = ["data", "curate", "--sources", config.path, "--out", out.path, "--json"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

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
        #expect(straight.terminationStatus == 0)
        let expected = try Data(contentsOf: clean.appendingPathComponent(Manifest.fileName))
        #expect(Manifest.parse(expected).samples.count == 12)

        let killed = root.appendingPathComponent("killed")
        // The victim stalls after its second sample (however loaded the machine, the kill lands mid-run).
        let victim = try launch(binary, config: config, out: killed, stallAfterSamples: 2)
        let jobs = killed.appendingPathComponent("jobs.sqlite").path
        let deadline = Date().addingTimeInterval(600)  // the victim cannot finish (it stalls); a loaded machine is slow
        var seen = 0
        while victim.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: jobs), let table = try? JobTable(path: jobs),
               let units = try? table.units(stage: "sample") {
                seen = units.count
                if seen >= 2 { break }
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal, "the run was killed, not finished")
        #expect(seen >= 2 && seen < 12, "killed mid-run (\(seen) samples recorded)")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent(Manifest.fileName).path))

        let rerun = try launch(binary, config: config, out: killed)
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0)
        let actual = try Data(contentsOf: killed.appendingPathComponent(Manifest.fileName))
        #expect(actual == expected)
        let table = try JobTable(path: jobs)
        #expect(try table.units(stage: "sample").allSatisfy { $0.attempts == 1 }, "no sample recorded twice")
    }
}
