// The OpenAI-compatible client against a scripted HTTP peer: 429/500 retried, timeouts retried, malformed
// replies typed failures, and a whole run with injected failures records each one and writes no sample twice.
import Curation
import Data
import Foundation
import Testing

@Suite(.serialized) struct RemoteClientTests {
    func client(_ server: ScriptedServer, retries: Int = 2, timeout: Double = 5, environment: [String: String] = [:]) -> OpenAIChatClient {
        var options = OpenAIChatOptions()
        options.retries = retries
        options.backoffSeconds = 0.01
        options.timeoutSeconds = timeout
        options.concurrency = 2
        return OpenAIChatClient(endpoint: server.url, model: "scripted", environment: environment, options: options)
    }

    // 429 and 500 are retried with backoff until the answer comes; the key travels in the header, taken from the environment.
    @Test func retriesTransientStatuses() async throws {
        let server = try ScriptedServer { number, body in
            switch number {
            case 1: return ScriptedReply(status: .tooManyRequests, body: "{}")
            case 2: return ScriptedReply(status: .internalServerError, body: "oops")
            default: return ScriptedReply(body: completion(body.contains("\"model\":\"scripted\"") ? "hello" : "wrong body"))
            }
        }
        defer { server.shutdown() }
        let reply = try await client(server, environment: ["VANS_VLM_API_KEY": "secret"]).complete(VLMRequest(prompt: "hi"))
        #expect(reply == "hello")
        #expect(server.requests == 3)
    }

    // A server that keeps failing gives a typed failure after 1 + retries attempts; a 400 is not retried.
    @Test func givesUpWithATypedFailure() async throws {
        let failing = try ScriptedServer { _, _ in ScriptedReply(status: .serviceUnavailable, body: "down") }
        defer { failing.shutdown() }
        await #expect(throws: CurationError.self) { try await client(failing, retries: 2).complete(VLMRequest(prompt: "hi")) }
        #expect(failing.requests == 3)
        let refusing = try ScriptedServer { _, _ in ScriptedReply(status: .badRequest, body: "no") }
        defer { refusing.shutdown() }
        await #expect(throws: CurationError.self) { try await client(refusing, retries: 2).complete(VLMRequest(prompt: "hi")) }
        #expect(refusing.requests == 1)
    }

    // A hung reply times out and is retried; the retry's answer is used.
    @Test func timeoutsAreRetried() async throws {
        let server = try ScriptedServer { number, _ in
            // The late reply comes long after the timeout: the whole suite runs in one process, and a loaded
            // event loop may see a 0.3 s deadline and a reply 2 s later in either order.
            number == 1 ? ScriptedReply(body: completion("late"), delay: 20) : ScriptedReply(body: completion("on time"))
        }
        defer { server.shutdown() }
        let reply = try await client(server, timeout: 0.3).complete(VLMRequest(prompt: "hi"))
        #expect(reply == "on time")
        #expect(server.requests == 2)
    }

    // Malformed responses (not JSON, no choices, content not a string) are typed failures, never crashes.
    @Test func malformedResponsesAreTypedFailures() async throws {
        for body in ["not json", #"{"choices": []}"#, #"{"choices": [{"message": {"content": 3}}]}"#] {
            let server = try ScriptedServer { _, _ in ScriptedReply(body: body) }
            defer { server.shutdown() }
            await #expect(throws: CurationError.self) { try await client(server).complete(VLMRequest(prompt: "hi")) }
        }
    }

    // A whole run over the endpoint with 429s, 500s, a malformed QA reply and a leaking question: each failure is recorded
    // with its reason, the rest become samples, and a rerun retries only the failed unit without duplicating any sample.
    @Test func runRecordsEveryInjectedFailure() async throws {
        let root = try scratchDirectory("remote")
        defer { try? FileManager.default.removeItem(at: root) }
        let raw = root.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try writeTestVideo(raw.appendingPathComponent("a.mp4"), shots: 4, seed: 5)
        let videos = try AnnotationImporter(source: "films", format: .videos, annotations: nil, videos: raw).run().videos
        let scripted = ScriptedVLM(leakingTargets: ["the scene that starts at second 12 changes colour"])
        let malformedOnce = MalformedOnce()
        let server = try ScriptedServer { number, body in
            if number % 5 == 2 { return ScriptedReply(status: .tooManyRequests, body: "{}") }
            if number % 7 == 3 { return ScriptedReply(status: .internalServerError, body: "{}") }
            let prompt = Self.prompt(in: body)
            if prompt.contains("starts at second 8") && prompt.contains("Write a question") && malformedOnce.first() {
                return ScriptedReply(body: completion("{\"question\": \"unterminated"))
            }
            let request = VLMRequest(prompt: prompt, clips: Self.clipStarts(in: body).map { VLMClip(videoPath: "", range: TimeRange(start: $0, end: $0 + 3)) })
            return ScriptedReply(body: completion(scripted.reply(to: request)))
        }
        defer { server.shutdown() }
        let prompts = try PromptLibrary()
        let remote = TaggingClient(inner: client(server, retries: 3))
        let stages = CurationStages(splitter: StandardShotSplitter(), chooser: VLMClipChooser(client: remote, prompts: prompts, maximumCandidates: 2),
                                    generator: VLMQAGenerator(client: remote, prompts: prompts))
        let output = root.appendingPathComponent("out")
        let first = try await CurationRunner(output: output, stages: stages).run(videos)
        // 4 shots → targets 1, 2, 3: target 2's QA reply is malformed (failed), target 3 leaks (rejected), target 1 is a sample.
        #expect(first.samples == 1)
        #expect(first.failures["malformed VLM reply"] == 1)
        #expect(first.rejections["answer leaked into the question"] == 1)
        let second = try await CurationRunner(output: output, stages: stages).run(videos)
        #expect(second.samples == 2)
        #expect(second.failures.isEmpty)
        let contents = Manifest.parse(try Data(contentsOf: output.appendingPathComponent(Manifest.fileName)))
        #expect(contents.problems.isEmpty)
        #expect(Set(contents.samples.map(\.sample.id)).count == 2)
        let table = try JobTable(path: output.appendingPathComponent("jobs.sqlite").path)
        #expect(try table.units(stage: "sample").allSatisfy { $0.attempts == 1 })
    }

    /// The prompt text of a chat-completions request body.
    static func prompt(in body: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let messages = object["messages"] as? [[String: Any]], let content = messages.first?["content"] as? [[String: Any]],
              let text = content.first?["text"] as? String else { return "" }
        return text
    }

    /// The scripted VLM keys on clip start times; the remote request carries them in the prompt tag added by `TaggingClient`.
    static func clipStarts(in body: String) -> [Double] {
        let text = prompt(in: body)
        guard let range = text.range(of: "[clip-starts:") else { return [] }
        let rest = text[range.upperBound...].prefix { $0 != "]" }
        return rest.split(separator: ",").compactMap { Double($0) }
    }
}

final class MalformedOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var used = false
    func first() -> Bool { lock.lock(); defer { lock.unlock() }; if used { return false }; used = true; return true }
}

/// Appends the clips' start times to the prompt so the scripted server can answer as `ScriptedVLM` would.
struct TaggingClient: VLMClient {
    let inner: OpenAIChatClient
    func complete(_ request: VLMRequest) async throws -> String {
        var tagged = request
        tagged.prompt += "\n[clip-starts:" + request.clips.map { "\($0.range.start)" }.joined(separator: ",") + "]"
        return try await inner.complete(tagged)
    }
}
