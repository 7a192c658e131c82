// Graceful shutdown finishes the running job and keeps the queue; a pipeline that cannot be built fails jobs
// with its reason instead of losing them.
import AsyncHTTPClient
import Foundation
import Testing
import VANS
@testable import VANSServer

@Suite("Shutdown and failures", .serialized)
struct ShutdownTests {
    // A graceful shutdown lets the running job finish; queued jobs stay queued and finish after a restart.
    @Test func gracefulShutdownKeepsTheQueue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.url.appendingPathComponent("data")
        let video = try syntheticVideo(in: directory.url)
        // 0.2 s per fake frame (about 1.2 s a job, well inside the 10 s grace): on a loaded machine, a faster job
        // could finish with the next one before the shutdown begins, and the third would no longer be queued.
        var server = try await InProcessServer(data: data, factory: fakeFactory(delay: 0.2))
        var api = APIClient(client: testClient, base: server.base)
        var ids: [String] = []
        for k in 0..<3 {
            var form = MultipartBody()
            form.file("video", filename: "clip.mp4", video)
            form.field("question", "Question \(k)?")
            ids.append(try #require(try await api.submit(form).json["id"] as? String))
        }
        // Shut down while the first job runs (or as soon as it has left the queue).
        for _ in 0..<500 {
            if try await api.send(.GET, "/v1/answers/\(ids[0])").json["status"] as? String != "queued" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        await server.stop()
        let store = try JobStore(directory: data)
        let first = try #require(try store.job(id: ids[0]))
        #expect(first.status == .succeeded, "the running job should finish within the grace, got \(first.status)")
        #expect(try store.job(id: ids[2])?.status == .queued)

        server = try await InProcessServer(data: data)
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
