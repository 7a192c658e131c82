// The answer API end to end over loopback: submit, poll, fetch the video (whole and by range), list, delete,
// progress events, and the operations endpoints.
import AsyncHTTPClient
import Foundation
import Testing
import VideoIO
@testable import VANSServer

@Suite("Answer API", .serialized)
struct AnswerAPITests {
    // A submitted video is stored, answered by the pipeline and served back as a decodable MP4; list and delete work.
    @Test func submitPollFetchListDelete() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = try await InProcessServer(data: directory.url.appendingPathComponent("data"))
        let client = testClient
        let api = APIClient(client: client, base: server.base)

        let video = try syntheticVideo(in: directory.url)
        var ids: [String] = []
        for question in ["What happens next?", "Where does the square go?"] {
            var form = MultipartBody()
            form.file("video", filename: "clip.mp4", video)
            form.field("question", question)
            form.field("seed", "3")
            let accepted = try await api.submit(form)
            #expect(accepted.status == 202)
            let id = try #require(accepted.json["id"] as? String)
            #expect(accepted.headers.first(name: "Location") == "/v1/answers/\(id)")
            ids.append(id)
        }
        for id in ids {
            let job = try await api.waitFinished(id)
            #expect(job["status"] as? String == "succeeded")
            #expect(job["caption"] as? String == "The square leaves the frame.")  // seed 3 picks the second scripted answer
            #expect(job["reasoning"] as? String == "It keeps going.")
            let timings = try #require(job["timings"] as? [String: Double])
            #expect(timings["total"] != nil && timings["reasoning"] != nil && timings["denoising"] != nil)
            let stages = try #require(job["progress"] as? [[String: Any]])
            #expect(stages.contains { $0["stage"] as? String == "denoising" && $0["done"] as? Int == 5 && $0["total"] as? Int == 5 })
        }

        // The video decodes to the renderer's frames.
        let whole = try await api.send(.GET, "/v1/answers/\(ids[0])/video")
        #expect(whole.status == 200)
        #expect(whole.headers.first(name: "Content-Type") == "video/mp4")
        #expect(whole.headers.first(name: "Accept-Ranges") == "bytes")
        let file = directory.url.appendingPathComponent("answer.mp4")
        try whole.body.write(to: file)
        let frames = try VideoDecoder(path: file.path).decodeAll()
        #expect(frames.count == 5 && frames[0].width == 32)

        // Ranges: a middle slice, an open end, a suffix, and an unsatisfiable start.
        let size = whole.body.count
        let slice = try await api.send(.GET, "/v1/answers/\(ids[0])/video", headers: [("Range", "bytes=10-29")])
        #expect(slice.status == 206)
        #expect(slice.body == whole.body[10...29])
        #expect(slice.headers.first(name: "Content-Range") == "bytes 10-29/\(size)")
        let tail = try await api.send(.GET, "/v1/answers/\(ids[0])/video", headers: [("Range", "bytes=\(size - 7)-")])
        #expect(tail.status == 206 && tail.body == whole.body.suffix(7))
        let suffix = try await api.send(.GET, "/v1/answers/\(ids[0])/video", headers: [("Range", "bytes=-5")])
        #expect(suffix.status == 206 && suffix.body == whole.body.suffix(5))
        let beyond = try await api.send(.GET, "/v1/answers/\(ids[0])/video", headers: [("Range", "bytes=\(size)-")])
        #expect(beyond.status == 416 && beyond.errorCode == "range_not_satisfiable")

        // The input comes back byte for byte.
        let input = try await api.send(.GET, "/v1/answers/\(ids[0])/input")
        #expect(input.status == 200 && input.body == video)
        #expect(input.headers.first(name: "Content-Type") == "video/mp4")

        // The list is newest first.
        let list = try await api.send(.GET, "/v1/answers")
        let listed = try #require(list.json["answers"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(listed == ids.reversed())

        // Delete removes the job and its files.
        let deleted = try await api.send(.DELETE, "/v1/answers/\(ids[0])")
        #expect(deleted.status == 204)
        #expect(try await api.send(.GET, "/v1/answers/\(ids[0])").status == 404)
        #expect(try await api.send(.DELETE, "/v1/answers/\(ids[0])").status == 404)
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("data/jobs/\(ids[0])").path))
        await server.stop()
    }

    // Several futures give one video per future, each with its own caption.
    @Test func multiFutureAnswers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = try await InProcessServer(data: directory.url.appendingPathComponent("data"))
        let client = testClient
        let api = APIClient(client: client, base: server.base)
        var form = MultipartBody()
        form.file("video", filename: "clip.mp4", try syntheticVideo(in: directory.url))
        form.field("question", "What happens next?")
        form.field("futures", "2")
        let id = try #require(try await api.submit(form).json["id"] as? String)
        let job = try await api.waitFinished(id)
        let answers = try #require(job["answers"] as? [[String: Any]])
        #expect(answers.count == 2)
        #expect(Set(answers.compactMap { $0["caption"] as? String }).count == 2)
        for k in 0..<2 { #expect(try await api.send(.GET, "/v1/answers/\(id)/video?future=\(k)").status == 200) }
        let missing = try await api.send(.GET, "/v1/answers/\(id)/video?future=2")
        #expect(missing.status == 404 && missing.errorCode == "not_found")
        await server.stop()
    }

    // The event stream reports progress and ends with the finished job.
    @Test func progressEvents() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = try await InProcessServer(data: directory.url.appendingPathComponent("data"), factory: fakeFactory(delay: 0.05))
        let client = testClient
        let api = APIClient(client: client, base: server.base)
        var form = MultipartBody()
        form.file("video", filename: "clip.mp4", try syntheticVideo(in: directory.url))
        form.field("question", "What happens next?")
        let id = try #require(try await api.submit(form).json["id"] as? String)
        let events = try await api.send(.GET, "/v1/answers/\(id)/events")
        #expect(events.status == 200)
        #expect(events.headers.first(name: "Content-Type") == "text/event-stream")
        let text = String(decoding: events.body, as: UTF8.self)
        #expect(text.contains("event: progress"))
        #expect(text.contains("\"stage\":\"denoising\""))
        let last = try #require(text.components(separatedBy: "\n\n").last { !$0.isEmpty })
        #expect(last.hasPrefix("event: done"))
        #expect(last.contains("\"status\":\"succeeded\""))
        await server.stop()
    }

    // Health, metrics, the OpenAPI file (served as committed) and the web page are served.
    @Test func operationsEndpoints() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let server = try await InProcessServer(data: directory.url.appendingPathComponent("data"))
        let client = testClient
        let api = APIClient(client: client, base: server.base)
        let health = try await api.send(.GET, "/healthz")
        #expect(health.status == 200 && health.json["status"] as? String == "ok")
        let metrics = String(decoding: try await api.send(.GET, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("vans_queue_depth 0"))
        #expect(metrics.contains("vans_jobs{status=\"queued\"} 0"))
        let openapi = try await api.send(.GET, "/openapi.json")
        #expect(openapi.status == 200)
        #expect(openapi.json["openapi"] as? String == "3.0.3")
        let paths = try #require(openapi.json["paths"] as? [String: Any])
        #expect(paths["/v1/answers/{id}/video"] != nil && paths["/v1/answers/{id}/events"] != nil)
        let page = try await api.send(.GET, "/")
        #expect(page.status == 200)
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains("/v1/answers") && !html.contains("https://"))  // no CDN
        await server.stop()
    }
}
