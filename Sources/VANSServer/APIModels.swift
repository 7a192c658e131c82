// The JSON shapes of the answer API (documented in Resources/openapi.json) and its error type.
import Foundation
import Hummingbird

/// A job as `GET /v1/answers/{id}` returns it.
struct JobView: Codable, Sendable {
    struct Answer: Codable, Sendable {
        var reasoning: String
        var caption: String
        var text: String
        var followsFormat: Bool
        var video: String
        var frames: Int
        var fps: Double
    }

    var id: String
    var status: JobStatus
    var question: String
    var inputKind: String
    var input: String
    var options: AnswerOptions
    var createdAt: String
    var startedAt: String?
    var finishedAt: String?
    var progress: [StageProgressRecord]
    /// The first future's reasoning and caption (the common single-answer case).
    var reasoning: String?
    var caption: String?
    /// The first future's video.
    var video: String?
    var answers: [Answer]
    var timings: [String: Double]
    var error: String?
    var attempts: Int

    init(_ job: JobRecord) {
        id = job.id
        status = job.status
        question = job.question
        inputKind = job.inputKind
        input = "/v1/answers/\(job.id)/input"
        options = job.options
        createdAt = Self.iso(job.createdAt)
        startedAt = job.startedAt.map(Self.iso)
        finishedAt = job.finishedAt.map(Self.iso)
        progress = job.progress
        answers = job.answers.enumerated().map { k, answer in
            Answer(reasoning: answer.reasoning, caption: answer.caption, text: answer.text, followsFormat: answer.followsFormat,
                   video: "/v1/answers/\(job.id)/video?future=\(k)", frames: answer.frames, fps: answer.fps)
        }
        reasoning = answers.first?.reasoning
        caption = answers.first?.caption
        video = answers.first?.video
        timings = job.timings
        error = job.error
        attempts = job.attempts
    }

    private static func iso(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    var jsonString: String { String(decoding: (try? JSONCoding.encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) }
}

enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// An API error: the status, a stable machine-readable code and a message, served as
/// `{"error": {"code": ..., "message": ...}}`.
struct APIError: HTTPResponseError, CustomStringConvertible {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    var description: String { "\(status.code) \(code): \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONCoding.encoder.encode(ErrorBody(error: .init(code: code, message: message)))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func notFound(_ id: String) -> APIError { APIError(.notFound, "not_found", "no answer job with id '\(id)'") }
}

/// `{"error": {"code": ..., "message": ...}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable { var code: String; var message: String }
    var error: Detail
}

/// Turns every error a handler or the router throws into the JSON error shape, and logs server faults.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as OpenAIError {
            throw error
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            throw APIError(error.status, code, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, "internal", "\(error)")
        }
    }
}

/// A JSON response with `status`.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    let data = try JSONCoding.encoder.encode(value)
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
