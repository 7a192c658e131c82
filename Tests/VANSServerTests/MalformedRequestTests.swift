// Malformed requests each get the right status and a JSON error, nothing is stored, and the server keeps serving.
import AsyncHTTPClient
import Foundation
import Testing
@testable import VANSServer

@Suite("Malformed requests", .serialized)
struct MalformedRequestTests {
    // Every bad submission or lookup is refused with its status and error code; no job is stored; health stays ok.
    @Test func badRequestsGetJSONErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let data = directory.url.appendingPathComponent("data")
        let server = try await InProcessServer(data: data, maxUploadBytes: 256 << 10)
        let client = testClient
        let api = APIClient(client: client, base: server.base)
        let video = try syntheticVideo(in: directory.url)

        func form(_ build: (inout MultipartBody) -> Void) -> MultipartBody {
            var body = MultipartBody()
            build(&body)
            return body
        }
        let cases: [(String, MultipartBody, Int, String)] = [
            ("missing question", form { $0.file("video", filename: "a.mp4", video) }, 400, "missing_field"),
            ("empty question", form { $0.file("video", filename: "a.mp4", video); $0.field("question", "  ") }, 400, "missing_field"),
            ("missing file", form { $0.field("question", "What next?") }, 400, "missing_field"),
            ("file given as text", form { $0.field("video", "not a file"); $0.field("question", "What next?") }, 400, "bad_field"),
            ("seed not a number", form { $0.file("video", filename: "a.mp4", video); $0.field("question", "Q?"); $0.field("seed", "abc") }, 400, "bad_field"),
            ("negative seed", form { $0.file("video", filename: "a.mp4", video); $0.field("question", "Q?"); $0.field("seed", "-1") }, 400, "bad_field"),
            ("futures out of range", form { $0.file("video", filename: "a.mp4", video); $0.field("question", "Q?"); $0.field("futures", "99") }, 400, "bad_field"),
            ("steps a float", form { $0.file("video", filename: "a.mp4", video); $0.field("question", "Q?"); $0.field("steps", "2.5") }, 400, "bad_field"),
            ("unknown field", form { $0.file("video", filename: "a.mp4", video); $0.field("question", "Q?"); $0.field("colour", "red") }, 400, "unknown_field"),
            ("0-byte upload", form { $0.file("video", filename: "a.mp4", Data()); $0.field("question", "Q?") }, 400, "empty_file"),
            ("text renamed .mp4", form { $0.file("video", filename: "notes.mp4", Data(String(repeating: "just some text\n", count: 50).utf8)); $0.field("question", "Q?") },
             415, "unsupported_media_type"),
            ("path traversal name", form { $0.file("video", filename: "../../etc/passwd", video); $0.field("question", "Q?") }, 400, "bad_filename"),
            ("absolute path name", form { $0.file("video", filename: "/tmp/x.mp4", video); $0.field("question", "Q?") }, 400, "bad_filename"),
            ("over the limit", form { $0.file("video", filename: "big.mp4", Data(count: 300 << 10)); $0.field("question", "Q?") }, 413, "too_large"),
        ]
        for (name, body, status, code) in cases {
            let result = try await api.submit(body)
            #expect(result.status == status, "\(name): status \(result.status), body \(String(decoding: result.body, as: UTF8.self))")
            #expect(result.errorCode == code, "\(name): error code \(result.errorCode ?? "none")")
            #expect(result.headers.first(name: "Content-Type") == "application/json", "\(name)")
            #expect(try await api.send(.GET, "/healthz").status == 200, "the server stopped serving after \(name)")
        }
        // The decoder's reason reaches the client, without the server's path.
        var text = MultipartBody()
        text.file("video", filename: "notes.mp4", Data("hello".utf8))
        text.field("question", "Q?")
        let refused = try await api.submit(text)
        let message = try #require((refused.json["error"] as? [String: Any])?["message"] as? String)
        #expect(message.contains("not a readable media file") || message.contains("decod"))
        #expect(!message.contains(data.path))

        // Not multipart at all, and a broken multipart body.
        let json = try await api.send(.POST, "/v1/answers", headers: [("Content-Type", "application/json")], body: Data("{\"question\":\"Q\"}".utf8))
        #expect(json.status == 415 && json.errorCode == "unsupported_media_type")
        let broken = try await api.send(.POST, "/v1/answers", headers: [("Content-Type", "multipart/form-data; boundary=xyz")], body: Data("--xyz\r\nno end".utf8))
        #expect(broken.status == 400 && broken.errorCode == "bad_multipart")

        // Unknown and malformed ids, unknown routes.
        for path in ["/v1/answers/\(UUID().uuidString.lowercased())", "/v1/answers/not-an-id", "/v1/answers/..%2F..%2Fjobs.sqlite/video",
                     "/v1/answers/\(UUID().uuidString)/events", "/v1/nothing"] {
            let result = try await api.send(.GET, path)
            #expect(result.status == 404, "\(path): \(result.status)")
            #expect(result.errorCode == "not_found", "\(path)")
        }
        #expect(try await api.send(.DELETE, "/v1/answers/\(UUID().uuidString)").status == 404)

        // Nothing was stored and nothing was left behind in uploads/.
        let list = try await api.send(.GET, "/v1/answers")
        #expect((list.json["answers"] as? [Any])?.isEmpty == true)
        let jobs = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("jobs").path)
        #expect(jobs.isEmpty)
        let uploads = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("uploads").path)
        #expect(uploads.isEmpty)
        await server.stop()
    }
}

@Suite("Request parsing")
struct RequestParsingTests {
    // Ranges follow RFC 9110: clamped ends, suffixes, unsatisfiable starts, ignorable forms.
    @Test func byteRanges() throws {
        #expect(try FileResponder.range(header: "bytes=0-9", size: 100) == 0...9)
        #expect(try FileResponder.range(header: "bytes=90-200", size: 100) == 90...99)
        #expect(try FileResponder.range(header: "bytes=95-", size: 100) == 95...99)
        #expect(try FileResponder.range(header: "bytes=-10", size: 100) == 90...99)
        #expect(try FileResponder.range(header: "bytes=-500", size: 100) == 0...99)
        #expect(try FileResponder.range(header: nil, size: 100) == nil)
        #expect(try FileResponder.range(header: "bytes=0-1,5-6", size: 100) == nil)
        #expect(try FileResponder.range(header: "items=0-1", size: 100) == nil)
        #expect(try FileResponder.range(header: "bytes=9-3", size: 100) == nil)
        #expect(throws: APIError.self) { try FileResponder.range(header: "bytes=100-", size: 100) }
        #expect(throws: APIError.self) { try FileResponder.range(header: "bytes=-0", size: 100) }
    }

    // Content-Disposition parameters keep quoted ';' and escaped quotes; boundaries are read from the content type.
    @Test func multipartHeaders() throws {
        let parameters = MultipartForm.dispositionParameters("form-data; name=\"video\"; filename=\"a;b \\\"c\\\".mp4\"")
        #expect(parameters["name"] == "video")
        #expect(parameters["filename"] == "a;b \"c\".mp4")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=\"abc def\"") == "abc def")
        #expect(MultipartForm.boundary(contentType: "Multipart/Form-Data;boundary=xyz") == "xyz")
        #expect(MultipartForm.boundary(contentType: "application/json") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data") == nil)
        #expect(!SubmissionReader.isPlainFileName("../x.mp4") && !SubmissionReader.isPlainFileName("a/b") && SubmissionReader.isPlainFileName("clip (1).mp4"))
    }

    // A body with a file and a field parses to the exact bytes of each part.
    @Test func multipartBody() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var body = MultipartBody()
        let bytes = Data((0..<300).map { UInt8($0 % 256) } + Array("\r\n--not-the-boundary".utf8))
        body.file("video", filename: "x.mp4", bytes)
        body.field("question", "What next?")
        let file = directory.url.appendingPathComponent("body")
        try body.finished().write(to: file)
        let form = try MultipartForm(file: file, boundary: body.boundary)
        #expect(form.parts.map(\.name) == ["video", "question"])
        #expect(form.body[form.parts[0].range] == bytes)
        #expect(form.parts[0].filename == "x.mp4")
        #expect(form.text(form.parts[1]) == "What next?")
    }
}
