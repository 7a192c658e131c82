// Graceful shutdown finishes the running job and keeps the queue; a pipeline that cannot be built fails jobs
// with its reason instead of losing them.
import AsyncHTTPClient
import Foundation
import Testing
import VANS
@testable import VANSServer

@Suite("Shutdown and failures", .serialized)
struct ShutdownTests {
    // A graceful shutdown lets the running job finish; queued jobs stay queued and finish after a restart. The first
    // job's reasoning waits at a gate until the shutdown has begun, so the order of events does not depend on timing.
    @Test func gracefulShutdownKeepsTheQueue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.url.appendingPathComponent("data")
        let video = try syntheticVideo(in: directory.url)
        let gate = Gate()
        let gated: PipelineFactory = { @Sendable in
            VANSPipeline(reasoner: GatedReasoner(gate: gate), renderer: PatternRenderer(width: 32, height: 32, frameCount: 5, fps: 8))
        }
        let first = try await InProcessServer(data: data, factory: gated)
        var api = APIClient(client: testClient, base: first.base)
        var ids: [String] = []
        for k in 0..<3 {
            var form = MultipartBody()
            form.file("video", filename: "clip.mp4", video)
            form.field("question", "Question \(k)?")
            ids.append(try #require(try await api.submit(form).json["id"] as? String))
        }
        for _ in 0..<6000 {
            if try await api.send(.GET, "/v1/answers/\(ids[0])").json["status"] as? String == "running" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let stopping = Task { await first.stop() }
        for _ in 0..<6000 where first.server.takesJobs { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!first.server.takesJobs)
        gate.open()
        await stopping.value
        let store = try JobStore(directory: data)
        let finished = try #require(try store.job(id: ids[0]))
        #expect(finished.status == .succeeded, "the running job should finish within the grace, got \(finished.status)")
        #expect(try store.job(id: ids[1])?.status == .queued && store.job(id: ids[2])?.status == .queued)

        let server = try await InProcessServer(data: data)
        api = APIClient(client: testClient, base: server.base)
        for id in ids {
            #expect(try await api.waitFinished(id)["status"] as? String == "succeeded")
        }
        #expect(try await api.send(.GET, "/v1/answers/\(ids[0])").json["attempts"] as? Int == 1)  // not run twice
        await server.stop()
    }

    // When the pipeline cannot be built, jobs are still accepted, stored, and fail with the builder's reason.
    @Test func pipelineFailureIsReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = try await InProcessServer(data: directory.url.appendingPathComponent("data"), factory: { @Sendable in
            throw PipelineError.modelDirectory(path: "/models/qwen", reason: "config.json is missing")
        })
        let api = APIClient(client: testClient, base: server.base)
        var form = MultipartBody()
        form.file("video", filename: "clip.mp4", try syntheticVideo(in: directory.url))
        form.field("question", "What next?")
        let id = try #require(try await api.submit(form).json["id"] as? String)
        let job = try await api.waitFinished(id)
        #expect(job["status"] as? String == "failed")
        #expect((job["error"] as? String)?.contains("/models/qwen: config.json is missing") == true)
        let video = try await api.send(.GET, "/v1/answers/\(id)/video")
        #expect(video.status == 409 && video.errorCode == "not_ready")
        await server.stop()
    }
}

/// Closed until `open()`; `wait()` blocks the calling thread (the worker's) until then.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    func open() { condition.withLock { isOpen = true; condition.broadcast() } }
    func wait() { condition.withLock { while !isOpen { condition.wait() } } }
}

/// The scripted reasoner behind a gate.
final class GatedReasoner: NextEventReasoner, @unchecked Sendable {
    let gate: Gate
    let scripted = ScriptedReasoner()
    init(gate: Gate) { self.gate = gate }
    func reason(about input: AnswerInput, options: ReasoningOptions, progress: StageProgressHandler?) throws -> [ReasonedAnswer] {
        gate.wait()
        return try scripted.reason(about: input, options: options, progress: progress)
    }
}
