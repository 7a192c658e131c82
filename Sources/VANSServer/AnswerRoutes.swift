// The answer API: submit, status, list, delete, input and answer videos (with ranges), progress events.
import Foundation
import Hummingbird
import Logging

/// State the handlers share.
struct ServerState: Sendable {
    let store: JobStore
    let worker: AnswerWorker
    let hub: EventHub
    let metrics: ServerMetrics
    let jobsDirectory: URL
    let uploadsDirectory: URL
    let maxUploadBytes: Int
    let retryAfterSeconds: Int
}

enum AnswerRoutes {
    static func register(on router: Router<BasicRequestContext>, state: ServerState) {
        let answers = router.group("v1/answers")
        answers.post { request, context in try await submit(request, context: context, state: state) }
        answers.get { request, _ in
            let limit = request.uri.queryParameters.get("limit", as: Int.self).map { min(max($0, 1), 1000) } ?? 100
            struct List: Encodable { var answers: [JobView] }
            return try jsonResponse(List(answers: try state.store.list(limit: limit).map(JobView.init)))
        }
        answers.get(":id") { _, context in
            try jsonResponse(JobView(try job(context, state)))
        }
        answers.delete(":id") { _, context in try delete(context, state: state) }
        answers.get(":id/video") { request, context in
            let job = try job(context, state)
            let future = request.uri.queryParameters.get("future", as: Int.self) ?? 0
            guard job.status == .succeeded else {
                throw APIError(.conflict, "not_ready", "job \(job.id) is \(job.status.rawValue); its video exists once it has succeeded")
            }
            guard job.answers.indices.contains(future) else {
                throw APIError(.notFound, "not_found", "job \(job.id) has \(job.answers.count) answer video(s); future \(future) does not exist")
            }
            let file = state.jobsDirectory.appendingPathComponent(job.id).appendingPathComponent(job.answers[future].videoFile)
            return try FileResponder.respond(file: file, contentType: "video/mp4", request: request)
        }
        answers.get(":id/input") { request, context in
            let job = try job(context, state)
            let file = state.jobsDirectory.appendingPathComponent(job.id).appendingPathComponent(job.inputFile)
            return try FileResponder.respond(file: file, contentType: FileResponder.sniffContentType(file), request: request)
        }
        answers.get(":id/events") { _, context in try events(context, state: state) }
    }

    private static func job(_ context: BasicRequestContext, _ state: ServerState) throws -> JobRecord {
        let id = context.parameters.get("id") ?? ""
        // Ids are server-made UUIDs: anything else is unknown without touching the store.
        guard UUID(uuidString: id) != nil, let job = try state.store.job(id: id.lowercased()) else { throw APIError.notFound(String(id.prefix(80))) }
        return job
    }

    private static func submit(_ request: Request, context: BasicRequestContext, state: ServerState) async throws -> Response {
        let id = UUID().uuidString.lowercased()
        let bodyFile = state.uploadsDirectory.appendingPathComponent("\(id).part")
        let directory = state.jobsDirectory.appendingPathComponent(id, isDirectory: true)
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        var accepted = false
        defer { if !accepted { try? FileManager.default.removeItem(at: directory) } }
        do {
            try await SubmissionReader.receive(request, into: bodyFile, limit: state.maxUploadBytes)
            guard state.worker.hasRoom else { throw queueFull(state) }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let submission = try await SubmissionReader.read(bodyFile: bodyFile, contentType: request.headers[.contentType], into: directory)
            let record = JobRecord(id: id, status: .queued, question: submission.question, inputKind: submission.inputKind,
                                   inputFile: "input", options: submission.options, createdAt: Date().timeIntervalSince1970,
                                   startedAt: nil, finishedAt: nil, progress: [], answers: [], timings: [:], error: nil, attempts: 0)
            guard try state.worker.submit(record) else { throw queueFull(state) }
            accepted = true
            context.logger.info("job accepted", metadata: ["job": "\(id)", "kind": "\(submission.inputKind)", "futures": "\(submission.options.futures)"])
            return try jsonResponse(JobView(record), status: .accepted, headers: [.location: "/v1/answers/\(id)"])
        } catch let error as APIError {
            let reason = switch error.status.code {
            case 503: "queue_full"
            case 413: "too_large"
            case 415: "unsupported_media"
            default: "bad_request"
            }
            state.metrics.recordRejection(reason)
            context.logger.notice("submission refused", metadata: ["status": "\(error.status.code)", "code": "\(error.code)"])
            throw error
        }
    }

    private static func queueFull(_ state: ServerState) -> APIError {
        APIError(.serviceUnavailable, "queue_full", "the queue is full (\(state.worker.capacity) jobs waiting); retry later",
                 headers: [.retryAfter: "\(state.retryAfterSeconds)"])
    }

    private static func delete(_ context: BasicRequestContext, state: ServerState) throws -> Response {
        let job = try job(context, state)
        if state.worker.remove(id: job.id) == .running {
            throw APIError(.conflict, "running", "job \(job.id) is running; delete it once it has finished")
        }
        _ = try state.store.delete(id: job.id)
        try? FileManager.default.removeItem(at: state.jobsDirectory.appendingPathComponent(job.id))
        state.hub.finish(id: job.id)
        return Response(status: .noContent)
    }

    /// `text/event-stream`: the job now ("status"), each progress report ("progress"), the finished job ("done").
    private static func events(_ context: BasicRequestContext, state: ServerState) throws -> Response {
        let id = try job(context, state).id
        let stream = state.hub.subscribe(id: id)
        // Read after subscribing, so that a job finishing in between is still seen as finished.
        guard let current = try state.store.job(id: id) else { throw APIError.notFound(id) }
        let terminal = current.status == .succeeded || current.status == .failed
        let first = "event: \(terminal ? "done" : "status")\ndata: \(JobView(current).jsonString)\n\n"
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: first))
            if !terminal {
                for await frame in stream { try await writer.write(ByteBuffer(string: frame)) }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
