// The remote client's limits and its key: no more calls in flight than the limit, a server's Retry-After waited
// out, the key sent as a bearer header only when its variable is set and never repeated in a failure's reason;
// and `vans data curate --endpoint` end to end against the scripted peer, its key absent from everything it writes.
import Curation
import Data
import Foundation
import Testing

@Suite(.serialized) struct RemoteLimitsTests {
    static let key = "sk-test-4f9a1c0e77"

    func client(_ server: ScriptedServer, concurrency: Int = 2, environment: [String: String] = [:], variable: String = "VANS_VLM_API_KEY") -> OpenAIChatClient {
        var options = OpenAIChatOptions()
        options.retries = 2
        options.backoffSeconds = 0.01
        options.timeoutSeconds = 10
        options.concurrency = concurrency
        return OpenAIChatClient(endpoint: server.url, model: "scripted", apiKeyVariable: variable, environment: environment, options: options)
    }

    // Six calls at once through a limit of 2: the server never holds more than 2 unanswered, and all 6 are answered.
    @Test func concurrencyLimitBoundsCallsInFlight() async throws {
        let server = try ScriptedServer { _, _ in ScriptedReply(body: completion("ok"), delay: 0.2) }
        defer { server.shutdown() }
        let remote = client(server, concurrency: 2)
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<6 { group.addTask { try await remote.complete(VLMRequest(prompt: "hi")) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(replies == Array(repeating: "ok", count: 6))
        #expect(server.requests == 6)
        #expect(server.mostInFlight == 2)
    }

    // A 429 with Retry-After: 1 is retried no sooner than a second later, though the client's own backoff is 10 ms.
    @Test func retryAfterIsWaitedOut() async throws {
        let server = try ScriptedServer { number, _ in
            number == 1 ? ScriptedReply(status: .tooManyRequests, body: "{}", headers: ["Retry-After": "1"]) : ScriptedReply(body: completion("late but fine"))
        }
        defer { server.shutdown() }
        let start = Date()
        #expect(try await client(server).complete(VLMRequest(prompt: "hi")) == "late but fine")
        #expect(Date().timeIntervalSince(start) >= 0.95)
        #expect(server.requests == 2)
    }

    // The key goes as "Authorization: Bearer …" from the named variable; an unset or empty variable sends no header.
    @Test func keyTravelsOnlyInTheHeader() async throws {
        let server = try ScriptedServer { _, body in ScriptedReply(body: completion(body.contains(Self.key) ? "key in body" : "ok")) }
        defer { server.shutdown() }
        #expect(try await client(server, environment: ["VANS_VLM_API_KEY": Self.key]).complete(VLMRequest(prompt: "hi")) == "ok")
        #expect(try await client(server, environment: ["OTHER_KEY": Self.key], variable: "OTHER_KEY").complete(VLMRequest(prompt: "hi")) == "ok")
        _ = try await client(server, environment: ["OTHER_KEY": Self.key]).complete(VLMRequest(prompt: "hi"))
        _ = try await client(server, environment: ["VANS_VLM_API_KEY": ""]).complete(VLMRequest(prompt: "hi"))
        #expect(server.authorizations == ["Bearer \(Self.key)", "Bearer \(Self.key)", nil, nil])
    }

    // A server that echoes the key in its error body: the typed failure names the status but not the key.
    @Test func failuresNeverRepeatTheKey() async throws {
        let server = try ScriptedServer { _, _ in ScriptedReply(status: .unauthorized, body: #"{"error": "invalid key \#(Self.key)"}"#) }
        defer { server.shutdown() }
        do {
            _ = try await client(server, environment: ["VANS_VLM_API_KEY": Self.key]).complete(VLMRequest(prompt: "hi"))
            Issue.record("a 401 must fail")
        } catch {
            #expect("\(error)".contains("HTTP 401"))
            #expect(!"\(error)".contains(Self.key), "\(error)")
        }
    }

    /// Runs `vans data curate` on `config` against `server`, with the key in the environment; returns (status, stdout + stderr).
    func curate(_ binary: URL, config: URL, out: URL, server: ScriptedServer) throws -> (Int32, String) {
        let log = out.deletingLastPathComponent().appendingPathComponent("\(out.lastPathComponent).log")
        let process = try startVans(binary, ["data", "curate", "--sources", config.path, "--out", out.path, "--endpoint", server.url.absoluteString,
                                             "--model", "scripted", "--retries", "1", "--timeout", "10", "--vlm-concurrency", "2"],
                                    environment: ["VANS_VLM_API_KEY": Self.key], log: log)
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    /// Every file under `directory`, concatenated as bytes.
    func allBytes(under directory: URL) throws -> Data {
        var bytes = Data()
        guard let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return bytes }
        for case let url as URL in files {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { bytes += try Data(contentsOf: url) }
        }
        return bytes
    }

    // `vans data curate --endpoint`: samples come out through the scripted peer with the key in every request's header;
    // against a peer that refuses and echoes the key, failures are recorded — and the key is in no output, log or file.
    @Test(.enabled(if: vansBinary != nil, "the vans binary is not built next to the tests (swift build --build-tests), or set VANS_BINARY"))
    func curateCommandOverAnEndpoint() async throws {
        let binary = try #require(vansBinary)
        let root = try scratchDirectory("endpoint-cli")
        defer { try? FileManager.default.removeItem(at: root) }
        let raw = root.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try writeTestVideo(raw.appendingPathComponent("a.mp4"), shots: 3, seed: 21)
        let config = try write(#"{"sources": [{"name": "films", "format": "videos", "videos": "raw"}]}"#, "sources.json", in: root)

        let scripted = ScriptedVLM()
        let answering = try ScriptedServer { number, body in
            if number == 2 { return ScriptedReply(status: .internalServerError, body: "{}") }
            return ScriptedReply(body: completion(scripted.reply(to: VLMRequest(prompt: RemoteClientTests.prompt(in: body)))))
        }
        defer { answering.shutdown() }
        let good = root.appendingPathComponent("good")
        let (status, log) = try curate(binary, config: config, out: good, server: answering)
        #expect(status == 0, "\(log)")
        let manifest = Manifest.parse(try Data(contentsOf: good.appendingPathComponent(Manifest.fileName)))
        #expect(manifest.samples.count == 2 && manifest.problems.isEmpty)
        #expect(answering.requests > 0 && answering.authorizations.allSatisfy { $0 == "Bearer \(Self.key)" })
        #expect(!log.contains(Self.key))
        #expect(try allBytes(under: good).range(of: Data(Self.key.utf8)) == nil, "the key is in a file under \(good.path)")

        let refusing = try ScriptedServer { _, _ in ScriptedReply(status: .forbidden, body: #"{"error": "key \#(Self.key) is revoked"}"#) }
        defer { refusing.shutdown() }
        let bad = root.appendingPathComponent("bad")
        let (badStatus, badLog) = try curate(binary, config: config, out: bad, server: refusing)
        #expect(badStatus == 0, "a run whose units fail still finishes and reports them: \(badLog)")
        let summary = try JSONDecoder().decode(CurationSummary.self, from: Data(contentsOf: bad.appendingPathComponent("summary.json")))
        #expect(summary.samples == 0 && !summary.failures.isEmpty, "\(summary.failures)")
        let reasons = try JobTable(path: bad.appendingPathComponent("jobs.sqlite").path).units(stage: "clip").compactMap(\.reason)
        #expect(reasons.contains { $0.contains("HTTP 403") }, "\(reasons)")
        #expect(!badLog.contains(Self.key))
        #expect(try allBytes(under: bad).range(of: Data(Self.key.utf8)) == nil, "the key is in a file under \(bad.path)")
    }
}
