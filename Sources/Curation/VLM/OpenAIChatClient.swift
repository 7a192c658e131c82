// An OpenAI-compatible chat-completions client (`POST {endpoint}/chat/completions`): clips go as
// PNG data-URL images, the key comes from an environment variable only, 429/5xx/timeouts are
// retried with exponential backoff, and a reply that is not the documented shape is a typed failure.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Settings of the remote client.
public struct OpenAIChatOptions: Sendable, Equatable {
    /// Seconds before one attempt is abandoned.
    public var timeoutSeconds: Double = 120
    /// Attempts after the first on 429, 5xx, timeouts and connection errors.
    public var retries = 4
    /// First backoff in seconds; doubled per retry (a server's Retry-After wins when longer, up to 60 s).
    public var backoffSeconds: Double = 1
    /// Calls in flight at once.
    public var concurrency = 4
    /// Frames sent per clip.
    public var framesPerClip = 4
    /// Width of the frames sent, pixels.
    public var frameWidth = 336
    /// Sampling temperature (0: greedy, so reruns agree).
    public var temperature = 0.0

    public init() {}
}

/// A `VLMClient` for any OpenAI-compatible chat-completions endpoint.
public final class OpenAIChatClient: VLMClient {
    public let endpoint: URL
    public let model: String
    public let options: OpenAIChatOptions
    private let apiKey: String?
    private let limit: ConcurrencyLimit
    private let client: HTTPClient

    /// - Parameters:
    ///   - endpoint: the API base (e.g. `http://host:8000/v1`); `/chat/completions` is appended.
    ///   - apiKeyVariable: the environment variable holding the key; an unset variable sends no key.
    public init(endpoint: URL, model: String, apiKeyVariable: String = "VANS_VLM_API_KEY",
                environment: [String: String] = ProcessInfo.processInfo.environment,
                options: OpenAIChatOptions = OpenAIChatOptions()) {
        self.endpoint = endpoint
        self.model = model
        self.options = options
        apiKey = environment[apiKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
        limit = ConcurrencyLimit(options.concurrency)
        client = HTTPClient.shared
    }

    var completionsURL: String {
        let base = endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        return base + "/chat/completions"
    }

    public func complete(_ request: VLMRequest) async throws -> String {
        let body = try requestBody(request)
        return try await limit.withSlot { try await self.send(body) }
    }

    /// The chat-completions JSON for `request`.
    func requestBody(_ request: VLMRequest) throws -> Data {
        var content: [[String: Any]] = [["type": "text", "text": request.prompt]]
        for clip in request.clips {
            for png in try FrameSampling.pngFrames(of: clip, count: options.framesPerClip, maximumWidth: options.frameWidth) {
                content.append(["type": "image_url", "image_url": ["url": "data:image/png;base64," + png.base64EncodedString()]])
            }
        }
        let object: [String: Any] = [
            "model": model, "max_tokens": request.maximumTokens, "temperature": options.temperature,
            "messages": [["role": "user", "content": content]],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    private func send(_ body: Data) async throws -> String {
        var lastFailure = ""
        for attempt in 0...max(0, options.retries) {
            var request = HTTPClientRequest(url: completionsURL)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            var retryAfter: Double?
            do {
                let response = try await client.execute(request, timeout: .milliseconds(Int64(options.timeoutSeconds * 1000)))
                let bytes = try await response.body.collect(upTo: 64 << 20)
                let text = String(buffer: bytes)
                if response.status == .ok {
                    do { return try Self.parseCompletion(text) } catch CurationError.malformedReply(let reason) {
                        throw CurationError.malformedReply(reason: redacted(reason))
                    }
                }
                lastFailure = "HTTP \(response.status.code) from \(completionsURL)"
                let retryable = response.status == .tooManyRequests || response.status.code >= 500
                guard retryable else {
                    throw CurationError.vlmFailed(reason: redacted(lastFailure + ": " + String(text.prefix(200))))
                }
                retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            } catch let error as CurationError {
                throw error
            } catch {
                // Timeouts, refused connections, reset streams: worth another try.
                lastFailure = redacted("\(completionsURL): \(error)")
            }
            if attempt < options.retries {
                let backoff = max(options.backoffSeconds * pow(2, Double(attempt)), min(retryAfter ?? 0, 60))
                try await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
            }
        }
        throw CurationError.vlmFailed(reason: "\(lastFailure) (after \(options.retries + 1) attempts)")
    }

    /// `text` with the API key blanked: failure reasons quote server replies, which may echo the request's headers,
    /// and they end up in the job table, the summary and the log.
    private func redacted(_ text: String) -> String {
        guard let apiKey else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[API key]")
    }

    /// `choices[0].message.content` of a chat-completions response, strictly.
    static func parseCompletion(_ text: String) throws -> String {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw CurationError.malformedReply(reason: "the endpoint's response is not JSON \(ReplyParser.preview(text))")
        }
        guard let object = parsed as? [String: Any], let choices = object["choices"] as? [Any], let first = choices.first as? [String: Any],
              let message = first["message"] as? [String: Any] else {
            throw CurationError.malformedReply(reason: "the endpoint's response has no choices[0].message \(ReplyParser.preview(text))")
        }
        guard let content = message["content"] as? String else {
            throw CurationError.malformedReply(reason: "choices[0].message.content is missing or not a string")
        }
        return content
    }
}
