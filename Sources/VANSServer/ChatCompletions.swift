// `POST /v1/chat/completions`: OpenAI's chat-completions API over a local Qwen2.5-VL (`QwenVLCaptioner`), for
// scripts that already speak it (the curation pipeline). Text, image and video content parts; n, temperature,
// top_p, max_tokens, seed; `stream: true` as server-sent chunks; errors in OpenAI's error shape.
import Foundation
import Hummingbird
import Logging
import QwenVL

/// Loads the captioner; called once, on the chat thread, at the first request.
public typealias CaptionerFactory = @Sendable () throws -> QwenVLCaptioner

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
struct OpenAIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var param: String?

    init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error", param: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = OpenAIErrorBody(error: .init(message: message, type: type, param: param, code: nil))
        return try jsonResponse(body, status: status)
    }
}

struct OpenAIErrorBody: Encodable {
    struct Detail: Encodable { var message: String; var type: String; var param: String?; var code: String? }
    var error: Detail
}

/// The request body (the fields we read; others are ignored as OpenAI-compatible servers do).
struct ChatRequest: Decodable {
    struct Message: Decodable {
        var role: String
        var content: Content
    }
    enum Content: Decodable {
        case text(String)
        case parts([Part])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .text(text) } else { self = .parts(try container.decode([Part].self)) }
        }
    }
    struct Part: Decodable {
        struct Link: Decodable { var url: String }
        var type: String
        var text: String?
        var image_url: Link?
        var video_url: Link?
    }
    var model: String?
    var messages: [Message]
    var stream: Bool?
    var n: Int?
    var temperature: Float?
    var top_p: Float?
    var max_tokens: Int?
    var seed: UInt64?
}

/// The captioner's own thread: requests run one at a time, in order.
final class ChatWorker: @unchecked Sendable {
    private let factory: CaptionerFactory
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var captioner: QwenVLCaptioner?
    private var started = false

    init(factory: @escaping CaptionerFactory) { self.factory = factory }

    /// Runs `body` with the loaded captioner on the chat thread.
    func run<T: Sendable>(_ body: @escaping @Sendable (QwenVLCaptioner) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.withLock {
                jobs.append { [self] in
                    do {
                        if captioner == nil { captioner = try factory() }
                        continuation.resume(returning: try body(captioner!))
                    } catch { continuation.resume(throwing: error) }
                }
                if !started {
                    started = true
                    let thread = Thread { [self] in loop() }
                    thread.name = "vans-chat"
                    thread.stackSize = 64 << 20
                    thread.start()
                }
                condition.signal()
            }
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

enum ChatRoutes {
    static func register(on router: Router<BasicRequestContext>, worker: ChatWorker, state: ServerState, modelName: String) {
        router.post("v1/chat/completions") { request, context in
            let body = try await request.body.collect(upTo: 64 << 20)
            let chat: ChatRequest
            do { chat = try JSONDecoder().decode(ChatRequest.self, from: Data(body.readableBytesView)) } catch {
                throw OpenAIError(.badRequest, "the body is not a chat-completions request: \(error)")
            }
            let scratch = state.uploadsDirectory.appendingPathComponent("chat-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let input = try ChatInput(chat, scratch: scratch, state: state)
            var options = QwenVLSamplingOptions()
            options.samples = chat.n ?? 1
            options.temperature = chat.temperature ?? 0
            options.topP = chat.top_p ?? 1
            options.maximumTokens = chat.max_tokens ?? 256
            options.seed = chat.seed ?? 0
            guard (1...16).contains(options.samples) else { throw OpenAIError(.badRequest, "n must be in 1...16", param: "n") }
            guard options.samples == 1 || options.temperature > 0 else {
                throw OpenAIError(.badRequest, "n > 1 needs a positive temperature", param: "temperature")
            }
            guard options.temperature >= 0, options.temperature <= 5 else { throw OpenAIError(.badRequest, "temperature must be in 0...5", param: "temperature") }
            guard options.topP > 0, options.topP <= 1 else { throw OpenAIError(.badRequest, "top_p must be in (0, 1]", param: "top_p") }
            guard (1...4096).contains(options.maximumTokens) else { throw OpenAIError(.badRequest, "max_tokens must be in 1...4096", param: "max_tokens") }
            let sampling = options
            let outcome: ChatOutcome
            do {
                outcome = try await worker.run { captioner in
                    let caption = try captioner.caption(question: input.question, videoPath: input.video, imagePath: input.image, options: sampling)
                    return ChatOutcome(texts: caption.texts, promptTokens: caption.result.promptTokenCount,
                                       completionTokens: caption.result.completions.map(\.tokens.count),
                                       stopped: caption.result.completions.map(\.stopped))
                }
            } catch {
                throw OpenAIError(.badRequest, "\(error)".replacingOccurrences(of: scratch.path + "/", with: ""))
            }
            context.logger.info("chat completion", metadata: ["n": "\(sampling.samples)", "promptTokens": "\(outcome.promptTokens)"])
            let id = "chatcmpl-\(UUID().uuidString.lowercased())"
            let created = Int(Date().timeIntervalSince1970)
            let model = chat.model ?? modelName
            if chat.stream == true {
                return streamResponse(outcome, id: id, created: created, model: model)
            }
            let choices: [[String: Any]] = outcome.texts.enumerated().map { k, text in
                ["index": k, "message": ["role": "assistant", "content": text], "finish_reason": outcome.stopped[k] ? "stop" : "length"]
            }
            let completion = outcome.completionTokens.reduce(0, +)
            let object: [String: Any] = ["id": id, "object": "chat.completion", "created": created, "model": model, "choices": choices,
                                         "usage": ["prompt_tokens": outcome.promptTokens, "completion_tokens": completion,
                                                   "total_tokens": outcome.promptTokens + completion]]
            return rawJSON(object)
        }
    }

    /// The chunks of every choice (the captioner returns whole completions, so each choice's text comes as one
    /// content delta), then `data: [DONE]`.
    private static func streamResponse(_ outcome: ChatOutcome, id: String, created: Int, model: String) -> Response {
        var frames: [String] = []
        func chunk(_ choice: [String: Any]) -> String {
            let object: [String: Any] = ["id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return "data: \(String(decoding: data, as: UTF8.self))\n\n"
        }
        for (k, text) in outcome.texts.enumerated() {
            frames.append(chunk(["index": k, "delta": ["role": "assistant", "content": ""], "finish_reason": NSNull()]))
            frames.append(chunk(["index": k, "delta": ["content": text], "finish_reason": NSNull()]))
            frames.append(chunk(["index": k, "delta": [String: String](), "finish_reason": outcome.stopped[k] ? "stop" : "length"]))
        }
        frames.append("data: [DONE]\n\n")
        let buffers = frames.map { ByteBuffer(string: $0) }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: .init(contentsOf: buffers))
    }

    private static func rawJSON(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// What the captioner returned, in plain values.
struct ChatOutcome: Sendable {
    var texts: [String]
    var promptTokens: Int
    var completionTokens: [Int]
    var stopped: [Bool]
}

/// The last user message's text and media, the media written to files under `scratch` (data URLs) or found in
/// the job store (`/v1/answers/{id}/input` references).
struct ChatInput: Sendable {
    var question: String
    var video: String?
    var image: String?

    init(_ chat: ChatRequest, scratch: URL, state: ServerState) throws {
        guard let message = chat.messages.last(where: { $0.role == "user" }) else {
            throw OpenAIError(.badRequest, "messages has no user message", param: "messages")
        }
        var texts: [String] = []
        switch message.content {
        case .text(let text): texts = [text]
        case .parts(let parts):
            for (k, part) in parts.enumerated() {
                switch part.type {
                case "text": texts.append(part.text ?? "")
                case "image_url":
                    guard image == nil, let url = part.image_url?.url else { throw OpenAIError(.badRequest, "one image_url with a url at most", param: "messages") }
                    image = try Self.file(url, name: "image-\(k)", scratch: scratch, state: state)
                case "video_url":
                    guard video == nil, let url = part.video_url?.url else { throw OpenAIError(.badRequest, "one video_url with a url at most", param: "messages") }
                    video = try Self.file(url, name: "video-\(k)", scratch: scratch, state: state)
                default:
                    throw OpenAIError(.badRequest, "unsupported content part type '\(part.type.prefix(40))' (text, image_url, video_url)", param: "messages")
                }
            }
        }
        question = texts.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty else { throw OpenAIError(.badRequest, "the user message has no text", param: "messages") }
    }

    /// A data URL decoded to a file, or an uploaded input referenced by its job.
    private static func file(_ url: String, name: String, scratch: URL, state: ServerState) throws -> String {
        if url.hasPrefix("data:") {
            guard let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64"),
                  let data = Data(base64Encoded: String(url[url.index(after: comma)...])), !data.isEmpty else {
                throw OpenAIError(.badRequest, "a data URL must be base64 (data:<type>;base64,...) and not empty", param: "messages")
            }
            let file = scratch.appendingPathComponent(name)
            try data.write(to: file)
            return file.path
        }
        let prefix = "/v1/answers/"
        let path = url.hasPrefix("http") ? (URL(string: url)?.path ?? "") : url
        if path.hasPrefix(prefix), path.hasSuffix("/input") {
            let id = String(path.dropFirst(prefix.count).dropLast("/input".count))
            if UUID(uuidString: id) != nil, let job = try state.store.job(id: id.lowercased()) {
                return state.jobsDirectory.appendingPathComponent(job.id).appendingPathComponent(job.inputFile).path
            }
            throw OpenAIError(.notFound, "no uploaded input at \(path.prefix(80))", param: "messages")
        }
        throw OpenAIError(.badRequest, "media URLs must be data URLs or /v1/answers/{id}/input references (this server fetches nothing)", param: "messages")
    }
}
