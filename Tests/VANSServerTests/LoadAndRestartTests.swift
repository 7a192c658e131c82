// The bars' load test (200 submissions, 16 clients, a queue of 8, fake pipeline) and the crash test (kill -9 of a
// `vans serve --fake` child process mid-queue, restart on the same data directory, every accepted job finishes).
import AsyncHTTPClient
import Foundation
import Testing
@testable import VANSServer

@Suite("Load and restart", .serialized)
struct LoadAndRestartTests {
    // Every submission gets 202 or 503 (with Retry-After); every 202 job succeeds, exactly once; the queue stays bounded.
    @Test func boundedQueueUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = try await InProcessServer(data: directory.url.appendingPathComponent("data"), maxQueue: 8,
                                               factory: fakeFactory(delay: 0.004))
        let client = testClient
        let api = APIClient(client: client, base: server.base)
        let video = try syntheticVideo(in: directory.url)

        let submissions = 200, clients = 16
        // Each client submits its share one after the other (16 in flight at a time).
        let results: [(Int, String?, String?)] = try await withThrowingTaskGroup(of: [(Int, String?, String?)].self) { group in
            for c in 0..<clients {
                group.addTask {
                    var mine: [(Int, String?, String?)] = []
                    for k in stride(from: c, to: submissions, by: clients) {
                        var form = MultipartBody()
                        form.file("video", filename: "clip-\(k).mp4", video)
                        form.field("question", "Question \(k)?")
                        let result = try await api.submit(form)
                        mine.append((result.status, result.json["id"] as? String, result.headers.first(name: "Retry-After")))
                    }
                    return mine
                }
            }
            var all: [(Int, String?, String?)] = []
            for try await part in group { all += part }
            return all
        }
        #expect(results.count == submissions)
        #expect(results.allSatisfy { $0.0 == 202 || $0.0 == 503 }, "statuses: \(Set(results.map(\.0)))")
        #expect(results.filter { $0.0 == 503 }.allSatisfy { $0.2 == "2" })
        let accepted = results.filter { $0.0 == 202 }.compactMap(\.1)
        #expect(accepted.count == results.filter { $0.0 == 202 }.count)
        #expect(Set(accepted).count == accepted.count)
        #expect(!accepted.isEmpty)

        for id in accepted {
            let job = try await api.waitFinished(id, seconds: 60)
            #expect(job["status"] as? String == "succeeded", "job \(id): \(job["status"] ?? "?")")
            #expect(job["attempts"] as? Int == 1)
        }
        let listed = try #require(try await api.send(.GET, "/v1/answers?limit=1000").json["answers"] as? [[String: Any]])
        #expect(listed.compactMap { $0["id"] as? String }.sorted() == accepted.sorted())  // none lost, none extra
        let metrics = String(decoding: try await api.send(.GET, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("vans_jobs{status=\"succeeded\"} \(accepted.count)"))
        print("load: \(accepted.count) accepted, \(submissions - accepted.count) refused with 503")
        await server.stop()
    }

    // kill -9 mid-queue loses nothing: after a restart on the same data directory every accepted job succeeds, and
    // the job that was running is run again.
    @Test func killNineAndRestart() async throws {
        let vans = try ChildServer.executable()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.url.appendingPathComponent("data")
        let client = testClient
        let video = try syntheticVideo(in: directory.url)

        let first = try ChildServer(executable: vans, data: data, delay: 0.05)
        var api = APIClient(client: client, base: first.base)
        var accepted: [String] = []
        for k in 0..<12 {
            var form = MultipartBody()
            form.file("video", filename: "clip.mp4", video)
            form.field("question", "Question \(k)?")
            let result = try await api.submit(form)
            #expect(result.status == 202 || result.status == 503)
            if result.status == 202, let id = result.json["id"] as? String { accepted.append(id) }
        }
        // Wait until a job runs, then kill -9 with the rest still queued.
        var runningBeforeKill: String?
        for _ in 0..<200 where runningBeforeKill == nil {
            let list = try #require(try await api.send(.GET, "/v1/answers?limit=100").json["answers"] as? [[String: Any]])
            runningBeforeKill = list.first { $0["status"] as? String == "running" }?["id"] as? String
            if runningBeforeKill == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let health = try await api.send(.GET, "/healthz").json
        #expect((health["queueDepth"] as? Int ?? 0) > 0, "the queue should not be empty at the kill")
        first.kill9()

        let second = try ChildServer(executable: vans, data: data, delay: 0.01)
        defer { second.terminate() }
        api = APIClient(client: client, base: second.base)
        for id in accepted {
            let job = try await api.waitFinished(id, seconds: 60)
            #expect(job["status"] as? String == "succeeded", "job \(id) after restart: \(job["status"] ?? "?")")
        }
        let listed = try #require(try await api.send(.GET, "/v1/answers?limit=1000").json["answers"] as? [[String: Any]])
        #expect(listed.compactMap { $0["id"] as? String }.sorted() == accepted.sorted())
        let attempts = Dictionary(uniqueKeysWithValues: listed.compactMap { job in (job["id"] as? String).map { ($0, job["attempts"] as? Int ?? 0) } })
        // The job running at the kill was started again after the restart.
        if let running = runningBeforeKill { print("running at the kill: \(running), attempts \(attempts[running] ?? 0)") }
        #expect(attempts.values.contains { $0 >= 2 }, "no job was re-run after the kill: \(attempts)")
        second.terminate()
        #expect(second.exitStatus() == 0, "SIGTERM should shut the server down cleanly")
    }
}

/// `vans serve --fake` as a child process on an ephemeral port.
struct ChildServer {
    let process: Process
    let base: String

    /// The `vans` executable built beside this test bundle.
    static func executable() throws -> URL {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var directory = me.deletingLastPathComponent()
        // Inside a .xctest bundle on macOS the binary sits three levels down.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("vans")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ServerFailureForTests(message: "no vans executable next to \(me.path): build it with `swift build --build-tests`")
    }

    init(executable: URL, data: URL, delay: Double) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--fake", "--fake-delay", "\(delay)", "--port", "0", "--data", data.path, "--max-queue", "8",
                             "--log-level", "warning", "--shutdown-grace", "5"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first stdout line names the port; give up after 30 s.
        let reader = output.fileHandleForReading
        let deadline = Date(timeIntervalSinceNow: 30)
        var text = ""
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("listening ") else {
            process.terminate()
            throw ServerFailureForTests(message: "vans serve did not report its address (got '\(text)')")
        }
        base = String(line.dropFirst("listening ".count))
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }

    func exitStatus() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
