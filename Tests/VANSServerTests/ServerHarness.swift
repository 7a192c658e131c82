// Test harness: the real server on an ephemeral loopback port (in process, or `vans serve --fake` as a child
// process), driven by AsyncHTTPClient; multipart bodies and small synthetic videos.
import AsyncHTTPClient
import Foundation
import TestSupport
import Logging
import NIOCore
import NIOHTTP1
import Testing
import VANS
import VANSServer
import VideoIO

/// A fresh temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let url: URL
    init(_ name: String = "vans-serve-test") throws {
        url = ScratchDirectory.root.appendingPathComponent("\(name)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// A small MP4 (moving square) for uploads.
func syntheticVideo(in directory: URL, name: String = "clip.mp4", frames: Int = 6, size: Int = 32) throws -> Data {
    var list: [VideoFrame] = []
    for f in 0..<frames {
        var pixels = [UInt8](repeating: 40, count: size * size * 3)
        for y in 8..<16 { for x in (f * 3)..<(f * 3 + 8) where x < size { pixels[(y * size + x) * 3] = 230 } }
        list.append(VideoFrame(width: size, height: size, pixels: pixels, timestamp: Double(f) / 8, index: f))
    }
    let path = directory.appendingPathComponent(name).path
    try VideoWriter.write(list, to: path, fps: 8)
    return try Data(contentsOf: URL(fileURLWithPath: path))
}

/// A multipart/form-data body.
struct MultipartBody {
    let boundary = "vans-test-\(UUID().uuidString)"
    var data = Data()

    mutating func field(_ name: String, _ value: String) {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
    }

    mutating func file(_ name: String, filename: String, contentType: String = "video/mp4", _ bytes: Data) {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        data.append(bytes)
        data.append(Data("\r\n".utf8))
    }

    func finished() -> Data { data + Data("--\(boundary)--\r\n".utf8) }
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }
}

/// A response read whole.
struct HTTPResult {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    /// The `error.code` of a JSON error body, nil when the body is not one.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// An HTTP client for one base URL.
struct APIClient {
    let client: HTTPClient
    let base: String

    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
              timeout: Int64 = 30) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    func submit(_ form: MultipartBody) async throws -> HTTPResult {
        try await send(.POST, "/v1/answers", headers: [("Content-Type", form.contentType)], body: form.finished())
    }

    /// Polls a job until it is no longer queued or running (at most `seconds`).
    func waitFinished(_ id: String, seconds: Double = 30) async throws -> [String: Any] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            let job = try await send(.GET, "/v1/answers/\(id)").json
            if let status = job["status"] as? String, status != "queued", status != "running" { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("job \(id) did not finish within \(seconds) s")
        return [:]
    }
}

func makeHTTPClient(connections: Int = 16) -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

/// The fake pipeline with `delay` seconds per fake frame.
func fakeFactory(delay: Double = 0) -> PipelineFactory {
    { @Sendable in
        VANSPipeline(reasoner: ScriptedReasoner(answers: ["[Think]The square moves right.[/Think][Ans]The square reaches the edge.[/Ans]",
                                                          "[Think]It keeps going.[/Think][Ans]The square leaves the frame.[/Ans]"], delay: delay),
                     renderer: PatternRenderer(width: 32, height: 32, frameCount: 5, fps: 8, delay: delay))
    }
}

/// The server in this process on an ephemeral loopback port.
final class InProcessServer: Sendable {
    let server: AnswerServer
    let task: Task<Void, any Error>
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init(data: URL, maxQueue: Int = 8, maxUploadBytes: Int = 4 << 20, factory: @escaping PipelineFactory = fakeFactory()) async throws {
        let configuration = ServerConfiguration(port: 0, dataDirectory: data, maxQueue: maxQueue, maxUploadBytes: maxUploadBytes,
                                                shutdownGrace: 10, retryAfterSeconds: 2)
        var logger = Logger(label: "vans.serve.test")
        logger.logLevel = .warning
        let server = try AnswerServer(configuration: configuration, logger: logger, pipelineFactory: factory)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        task = Task {
            defer { continuation.finish() }
            try await server.run(handleSignals: false) { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ServerFailureForTests(message: "the server did not report a port") }
        self.server = server
        self.port = port
    }

    /// Graceful shutdown, as SIGTERM does it.
    func stop() async {
        await server.shutdown()
        _ = try? await task.value
    }
}

struct ServerFailureForTests: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One client for every test (16 connections per host, the load test's concurrency), alive for the whole process.
let testClient = makeHTTPClient(connections: 16)
