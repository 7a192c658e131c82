// `POST /v1/chat/completions` over a tiny random Qwen2.5-VL (the VANS-Synth preset with the fixture tokenizer):
// OpenAI's response and chunk shapes, n samples, usage, streaming, media by data URL and by upload reference,
// and OpenAI-shaped errors.
import AsyncHTTPClient
import Checkpoints
import Foundation
import Logging
import NN
import QwenVL
import Tensor
import Testing
import Tokenizers
@testable import VANSServer

@Suite("Chat completions", .serialized)
struct ChatCompletionsTests {
    /// config.json, generation_config.json, random weights and the QwenVL fixture tokenizer in `directory`.
    static func makeModel(in directory: URL) throws -> QwenVLProcessor.Options {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("QwenVLTests/Fixtures/qwen_processor")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(directory: directory))
        try preset.write(to: directory)
        let model = QwenVLModel(configuration: preset.configuration)
        var generator = RandomGenerator(seed: 5)
        var weights: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) where !(preset.configuration.text.tieWordEmbeddings && key == "lm_head.weight") {
            let isNorm = key.contains("norm") || key.contains("ln_q")
            weights[key] = isNorm ? generator.uniform(tensor.shape, low: 0.9, high: 1.1) : generator.uniform(tensor.shape, low: -0.15, high: 0.15)
        }
        try SafetensorsWriter.write(tensors: weights, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        return preset.processorOptions
    }

    static func post(_ api: APIClient, _ object: [String: Any]) async throws -> HTTPResult {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try await api.send(.POST, "/v1/chat/completions", headers: [("Content-Type", "application/json")], body: body, timeout: 120)
    }

    // Non-streaming and streaming answers with text, a data-URL video and an uploaded video; bad requests get
    // OpenAI's error shape.
    @Test func chatCompletions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let modelDirectory = directory.url.appendingPathComponent("model")
        let options = try Self.makeModel(in: modelDirectory)
        let configuration = ServerConfiguration(port: 0, dataDirectory: directory.url.appendingPathComponent("data"), shutdownGrace: 10)
        var logger = Logger(label: "vans.serve.test")
        logger.logLevel = .warning
        let server = try AnswerServer(configuration: configuration, logger: logger, pipelineFactory: fakeFactory(),
                                      captionerFactory: { @Sendable in try QwenVLCaptioner(directory: modelDirectory, options: options) })
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await server.run(handleSignals: false) { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let api = APIClient(client: testClient, base: "http://127.0.0.1:\(port)")
        let video = try syntheticVideo(in: directory.url, frames: 8)
        let dataURL = "data:video/mp4;base64,\(video.base64EncodedString())"

        // n = 2 samples about a data-URL video.
        let sampled = try await Self.post(api, [
            "model": "vans-tiny", "n": 2, "temperature": 1, "top_p": 0.9, "max_tokens": 6, "seed": 3,
            "messages": [["role": "user", "content": [["type": "video_url", "video_url": ["url": dataURL]],
                                                      ["type": "text", "text": "What happens next?"]]]],
        ])
        #expect(sampled.status == 200, "\(String(decoding: sampled.body, as: UTF8.self))")
        #expect(sampled.json["object"] as? String == "chat.completion")
        #expect(sampled.json["model"] as? String == "vans-tiny")
        let choices = try #require(sampled.json["choices"] as? [[String: Any]])
        #expect(choices.count == 2)
        for (k, choice) in choices.enumerated() {
            #expect(choice["index"] as? Int == k)
            #expect((choice["message"] as? [String: Any])?["role"] as? String == "assistant")
            #expect(["stop", "length"].contains(choice["finish_reason"] as? String ?? ""))
        }
        let usage = try #require(sampled.json["usage"] as? [String: Int])
        #expect((usage["prompt_tokens"] ?? 0) > 10)
        #expect((usage["completion_tokens"] ?? 0) >= 2 && (usage["completion_tokens"] ?? 0) <= 12)
        #expect(usage["total_tokens"] == (usage["prompt_tokens"] ?? 0) + (usage["completion_tokens"] ?? 0))

        // Greedy, by upload reference, streamed: the chunks carry the same text as the non-streamed answer.
        var form = MultipartBody()
        form.file("video", filename: "clip.mp4", video)
        form.field("question", "What happens next?")
        let id = try #require(try await api.submit(form).json["id"] as? String)
        let message: [String: Any] = ["role": "user", "content": [["type": "video_url", "video_url": ["url": "/v1/answers/\(id)/input"]],
                                                                   ["type": "text", "text": "What happens next?"]]]
        let plain = try await Self.post(api, ["messages": [message], "max_tokens": 5])
        let plainText = try #require(((plain.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
        let streamed = try await Self.post(api, ["messages": [message], "max_tokens": 5, "stream": true])
        #expect(streamed.status == 200)
        #expect(streamed.headers.first(name: "Content-Type") == "text/event-stream")
        let events = String(decoding: streamed.body, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last == "data: [DONE]")
        var text = ""
        for event in events.dropLast() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.dropFirst("data: ".count).utf8)) as? [String: Any])
            #expect(object["object"] as? String == "chat.completion.chunk")
            let delta = ((object["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]) ?? [:]
            text += delta["content"] as? String ?? ""
        }
        #expect(text == plainText)

        // Errors in OpenAI's shape.
        let bad: [([String: Any], Int, String?)] = [
            (["messages": [["role": "system", "content": "hi"]]], 400, "messages"),
            (["messages": [message], "n": 2], 400, "temperature"),
            (["messages": [message], "max_tokens": 0], 400, "max_tokens"),
            (["messages": [["role": "user", "content": [["type": "video_url", "video_url": ["url": "https://example.com/a.mp4"]],
                                                        ["type": "text", "text": "Q"]]]]], 400, "messages"),
            (["messages": [["role": "user", "content": [["type": "video_url", "video_url": ["url": "/v1/answers/\(UUID().uuidString)/input"]],
                                                        ["type": "text", "text": "Q"]]]]], 404, "messages"),
            (["messages": [["role": "user", "content": [["type": "video_url", "video_url": ["url": "data:video/mp4;base64,aGVsbG8="]],
                                                        ["type": "text", "text": "Q"]]]]], 400, nil),
        ]
        for (object, status, param) in bad {
            let result = try await Self.post(api, object)
            #expect(result.status == status, "\(object): \(String(decoding: result.body, as: UTF8.self))")
            let error = try #require(result.json["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["message"] is String)
            if let param { #expect(error["param"] as? String == param) }
        }
        let notJSON = try await api.send(.POST, "/v1/chat/completions", headers: [("Content-Type", "application/json")], body: Data("{".utf8))
        #expect(notJSON.status == 400 && (notJSON.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")

        await server.shutdown()
        _ = try? await task.value
    }
}
