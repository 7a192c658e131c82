// Inputs made at test time: videos with known cuts (encoded through VideoIO), annotation files in every
// supported format, and a scripted in-process VLM.
import Curation
import Data
import Foundation
import TestSupport
import VideoIO

/// A scratch directory removed by the caller.
func scratchDirectory(_ name: String) throws -> URL {
    let url = ScratchDirectory.root.appendingPathComponent("vans-curate-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Frames per second of the test videos.
let testFPS = 8.0
/// Frames per shot: 4 s at 8 fps, so every shot passes the 3 s filter and holds 3–5 s clips.
let framesPerShot = 32

/// Writes a video of `shots` shots of `framesPerShot` frames each, in strongly different colours (cuts at
/// multiples of `framesPerShot`), with a moving noise texture so the quality scorer sees detail and motion.
func writeTestVideo(_ url: URL, shots: Int = 3, width: Int = 64, height: Int = 48, seed: UInt64 = 1,
                    preset: String = "veryfast", keyframeInterval: Int? = nil) throws {
    let palette: [(Int, Int, Int)] = [(220, 30, 30), (20, 120, 20), (40, 40, 230), (230, 230, 60)]
    var frames: [VideoFrame] = []
    var state = seed
    for shot in 0..<shots {
        let base = palette[shot % palette.count]
        for frame in 0..<framesPerShot {
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Int((state >> 59) & 15) - 8
                    let stripe = ((x + frame) / 4) % 2 == 0 ? 12 : -12
                    let offset = (y * width + x) * 3
                    pixels[offset] = UInt8(clamping: base.0 + noise + stripe)
                    pixels[offset + 1] = UInt8(clamping: base.1 + noise + stripe)
                    pixels[offset + 2] = UInt8(clamping: base.2 + noise + stripe)
                }
            }
            frames.append(VideoFrame(width: width, height: height, pixels: pixels))
        }
    }
    try VideoWriter.write(frames, to: url.path, fps: testFPS, options: VideoEncodingOptions(crf: 12, preset: preset, threads: 1, keyframeInterval: keyframeInterval))
}

/// A VLM answering every curation prompt deterministically from the prompt text and clip times.
struct ScriptedVLM: VLMClient {
    /// Targets (answer captions) for which the generated question leaks the answer.
    var leakingTargets: Set<String> = []

    func complete(_ request: VLMRequest) async throws -> String { reply(to: request) }

    /// The scripted answer (synchronous, so the scripted HTTP server can use it on its event loop).
    func reply(to request: VLMRequest) -> String {
        let prompt = request.prompt
        if prompt.contains("Describe the main event") {
            let start = request.clips.first?.range.start ?? 0
            return #"{"caption": "the scene that starts at second \#(Int(start.rounded())) changes colour"}"#
        }
        if prompt.contains("Rate from 0 to 10") {
            // Prefer later clips, so the choice is not simply the first candidate.
            let start = request.clips.first?.range.start ?? 0
            return #"{"score": \#(min(10, start.truncatingRemainder(dividingBy: 4) * 2))}"#
        }
        if prompt.contains("Write a question") {
            let target = Self.quoted(after: "is: \"", in: prompt) ?? "unknown"
            let question = leakingTargets.contains(target) ? "Will \(target) happen next?" : "What comes next in the video?"
            return #"```json {"question": "\#(question)", "reasoning": "The shown events lead there.", "answer": "\#(target)"} ```"#
        }
        if prompt.contains("Check this question-answer pair") { return #"{"verdict": "accept", "reason": "sound"}"# }
        return "I do not understand"
    }

    static func quoted(after marker: String, in text: String) -> String? {
        guard let start = text.range(of: marker) else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// Writes `text` to `directory/name`.
@discardableResult
func write(_ text: String, _ name: String, in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    return url
}
