// The local VLM: `QwenVLCaptioner` (Qwen2.5-VL loaded from a directory), greedy, one call at a time.
import Data
import Foundation
import QwenVL
import VideoIO

/// A `VLMClient` running Qwen2.5-VL in-process. The clips of a request are cut (re-encoded) into one
/// temporary video, which the captioner samples as in the paper's evaluation (fps 1).
public actor LocalQwenClient: VLMClient {
    private let captioner: QwenVLCaptioner
    private let scratch: URL

    /// Loads the model in `directory` (frames prepared with `options`); temporary clips go under `scratch`.
    public init(directory: URL, scratch: URL, options: QwenVLProcessor.Options = .paperEvaluation) throws {
        captioner = try QwenVLCaptioner(directory: directory, options: options, systemPrompt: nil)
        self.scratch = scratch
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    public func complete(_ request: VLMRequest) async throws -> String {
        var options = QwenVLSamplingOptions()
        options.maximumTokens = request.maximumTokens
        var videoPath: String?
        let temporary = scratch.appendingPathComponent("vlm-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: temporary) }
        if !request.clips.isEmpty {
            try ClipCutter.concatenate(request.clips, to: temporary)
            videoPath = temporary.path
        }
        let caption: QwenVLCaptioner.Caption
        do { caption = try captioner.caption(question: request.prompt, videoPath: videoPath, options: options) } catch {
            throw CurationError.vlmFailed(reason: "local Qwen2.5-VL: \(error)")
        }
        guard let text = caption.texts.first else { throw CurationError.malformedReply(reason: "the local model returned no text") }
        return text
    }
}
