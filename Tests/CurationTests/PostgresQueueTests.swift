// Two `vans data curate --queue postgres://…` processes against a real PostgreSQL server (Debian's, started here
// on loopback) share one job table and produce the same manifest as one SQLite run.
import Curation
import Data
import Foundation
import Testing

/// Debian's PostgreSQL server programs, when installed.
let postgresBinaries: URL? = {
    let root = URL(fileURLWithPath: "/usr/lib/postgresql")
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted(by: >) ?? []
    for version in versions {
        let bin = root.appendingPathComponent(version).appendingPathComponent("bin")
        if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("pg_ctl").path) { return bin }
    }
    return nil
}()

/// A throwaway PostgreSQL cluster on 127.0.0.1 (as the `postgres` user when the tests run as root).
final class LocalPostgres {
    let directory: URL
    let port: Int
    let bin: URL
    var url: String { "postgres://vans@127.0.0.1:\(port)/postgres" }

    init(bin: URL) throws {
        self.bin = bin
        directory = URL(fileURLWithPath: "/tmp/vans-pg-\(UUID().uuidString.prefix(8))")
        port = 20000 + Int(ProcessInfo.processInfo.processIdentifier % 20000)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path) }
        try run("initdb", ["-D", directory.appendingPathComponent("data").path, "-A", "trust", "-U", "vans", "--no-sync"])
        try run("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-l", directory.appendingPathComponent("log").path, "-w",
                           "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    /// Runs a server program and waits for it with waitpid (Foundation's Process did not return from
    /// `pg_ctl start`, whose server child outlives it).
    func run(_ program: String, _ arguments: [String]) throws {
        let path = bin.appendingPathComponent(program).path
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var pid = pid_t()
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        guard posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ) == 0 else {
            throw CurationError.jobTable(path: directory.path, reason: "cannot start \(argv[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw CurationError.jobTable(path: directory.path, reason: "\(program) exited with status \(status)")
        }
    }

    func stop() {
        try? run("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite(.serialized) struct PostgresQueueTests {
    // Two worker processes pulling from one PostgreSQL queue write the manifest of a single-process run; every video is claimed once, no sample twice.
    @Test(.enabled(if: postgresBinaries != nil, "PostgreSQL server programs not installed (apt-get install postgresql): queue test skipped"),
          .enabled(if: vansBinary != nil, "the vans binary is not built next to the tests: queue test skipped"))
    func twoWorkersShareOneQueue() async throws {
        let server = try LocalPostgres(bin: try #require(postgresBinaries))
        defer { server.stop() }
        let binary = try #require(vansBinary)
        let root = try scratchDirectory("queue")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try KillResumeTests().makeInputs(root, videos: 8)

        let configuration = try SourcesConfiguration.load(config)
        let videos = try configuration.importers(relativeTo: root).flatMap { try $0.run().videos }
        let single = root.appendingPathComponent("single")
        let offline = CurationStages(splitter: StandardShotSplitter(), chooser: QualityClipChooser(), generator: TemplateQAGenerator())
        _ = try await CurationRunner(output: single, stages: offline).run(videos)
        let expected = try Data(contentsOf: single.appendingPathComponent(Manifest.fileName))
        #expect(Manifest.parse(expected).samples.count == 16)

        let shared = root.appendingPathComponent("shared")
        let log = root.appendingPathComponent("workers.log")
        let workers = try (0..<2).map { _ in
            try startVans(binary, ["data", "curate", "--sources", config.path, "--out", shared.path, "--queue", server.url, "--json"], log: log)
        }
        for worker in workers { worker.waitUntilExit() }
        #expect(workers.allSatisfy { $0.terminationStatus == 0 }, Comment(rawValue: logText(log)))
        let actual = try Data(contentsOf: shared.appendingPathComponent(Manifest.fileName))
        #expect(actual == expected)

        let store = try await PostgresJobStore(url: server.url)
        let claims = try await store.claims()
        let samples = try await store.units(stage: "sample")
        await store.shutdown()
        #expect(claims.count == 8 && claims.values.allSatisfy { !$0.isEmpty })
        #expect(samples.count == 16 && samples.allSatisfy { $0.attempts == 1 }, "no sample written twice")
        print("queue test: \(Set(claims.values).count) worker(s) claimed the 8 videos")
    }

    /// Starts `vans data curate` with `arguments` after the common ones.
    func launch(_ binary: URL, out: URL, queue: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        try startVans(binary, ["data", "curate", "--out", out.path, "--queue", queue, "--json"] + arguments, environment: environment,
                      log: out.deletingLastPathComponent().appendingPathComponent("processes.log"))
    }

    // One process queues the videos and dies (kill -9) holding a claimed video; a `--worker` process (no --sources)
    // pulls the rest; a later `--worker` takes the dead one's video back after --reclaim-after and completes the
    // manifest — equal to a single-process run, each video claimed, no sample written twice.
    @Test(.enabled(if: postgresBinaries != nil, "PostgreSQL server programs not installed (apt-get install postgresql): queue test skipped"),
          .enabled(if: vansBinary != nil, "the vans binary is not built next to the tests: queue test skipped"))
    func workersFinishWhatAKilledProcessQueued() async throws {
        let server = try LocalPostgres(bin: try #require(postgresBinaries))
        defer { server.stop() }
        let binary = try #require(vansBinary)
        let root = try scratchDirectory("queue-worker")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try KillResumeTests().makeInputs(root, videos: 5)
        let videos = try SourcesConfiguration.load(config).importers(relativeTo: root).flatMap { try $0.run().videos }
        let single = root.appendingPathComponent("single")
        let offline = CurationStages(splitter: StandardShotSplitter(), chooser: QualityClipChooser(), generator: TemplateQAGenerator())
        _ = try await CurationRunner(output: single, stages: offline).run(videos)
        let expected = try Data(contentsOf: single.appendingPathComponent(Manifest.fileName))

        let shared = root.appendingPathComponent("shared")
        let queuer = try launch(binary, out: shared, queue: server.url, ["--sources", config.path],
                                environment: ["VANS_CURATE_STALL_AFTER_SAMPLES": "1"])
        let store = try await PostgresJobStore(url: server.url)
        let deadline = Date().addingTimeInterval(300)
        while queuer.isRunning && Date() < deadline, (try? await store.units(stage: "sample").count) ?? 0 < 1 {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(queuer.isRunning, "the queueing process stalls after its first sample")
        let worker = try launch(binary, out: shared, queue: server.url, ["--worker"])
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 0, Comment(rawValue: logText(root.appendingPathComponent("processes.log"))))
        kill(queuer.processIdentifier, SIGKILL)
        queuer.waitUntilExit()
        let claimedBeforeReclaim = try await store.claims()
        // The dead process's video is handed out again only once --reclaim-after has passed.
        try await Task.sleep(nanoseconds: 1_200_000_000)
        let finisher = try launch(binary, out: shared, queue: server.url, ["--worker", "--reclaim-after", "1"])
        finisher.waitUntilExit()
        #expect(finisher.terminationStatus == 0, Comment(rawValue: logText(root.appendingPathComponent("processes.log"))))
        let claims = try await store.claims()
        let samples = try await store.units(stage: "sample")
        await store.shutdown()
        #expect(claimedBeforeReclaim.count == 5 && claimedBeforeReclaim.values.allSatisfy { !$0.isEmpty })
        let workerName = ":\(worker.processIdentifier)", finisherName = ":\(finisher.processIdentifier)"
        #expect(claims.values.filter { $0.hasSuffix(workerName) }.count == 4, "\(claims)")
        #expect(claims.values.filter { $0.hasSuffix(finisherName) }.count == 1, "the finisher took back only the dead one's video: \(claims)")
        #expect(samples.count == 10 && samples.allSatisfy { $0.attempts == 1 }, "no sample written twice")
        #expect(try Data(contentsOf: shared.appendingPathComponent(Manifest.fileName)) == expected)
    }

    // A video claimed by a worker that never finishes is handed out again after the reclaim delay, and only then.
    @Test(.enabled(if: postgresBinaries != nil, "PostgreSQL server programs not installed (apt-get install postgresql): queue test skipped"))
    func deadWorkersVideosAreReclaimed() async throws {
        let server = try LocalPostgres(bin: try #require(postgresBinaries))
        defer { server.stop() }
        let store = try await PostgresJobStore(url: server.url, reclaimAfterSeconds: 1)
        let video = SourceVideo(source: "s", id: "v", kind: .procedural, videoPath: "/videos/v.mp4",
                                events: [AnnotatedEvent(range: TimeRange(start: 0, end: 4), caption: "a")])
        try await store.enqueue([video])
        let first = try await store.claim(worker: "dead")
        let meanwhile = try await store.claim(worker: "alive")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let reclaimed = try await store.claim(worker: "alive")
        try await store.finish(video.key, failed: false)
        let after = try await store.claim(worker: "alive")
        let claims = try await store.claims()
        await store.shutdown()
        #expect(first == video)
        #expect(meanwhile == nil)
        #expect(reclaimed == video)
        #expect(after == nil)
        #expect(claims == [video.key: "alive"])
    }
}
