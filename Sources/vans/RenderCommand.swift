// `vans render`: a caption (and optionally reference frames of an input video or image) into an answer video,
// with a diffusers Wan2.1 pipeline directory (paper §4: the VDM half of VANS).
import ArgumentParser
import Foundation
import Support
import VideoIO
import Wan

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a caption into a video with a Wan2.1 pipeline, optionally conditioned on reference frames.",
        discussion: """
            The model directory is a diffusers pipeline (model_index.json, transformer/, vae/, text_encoder/, \
            tokenizer/, scheduler/). Stages run one after another and each releases its weights before the next \
            loads: umT5 prompt embeddings, VAE encoding of the reference frames, denoising, VAE decoding. With \
            --reference, n frames of the input (evenly spaced, first and last included, or the last n — the \
            transformer config's vans_conditioning.selection) are each encoded as a one-frame clip and prepended \
            along time (sequence conditioning). Exit codes: 0 rendered, 1 failure (bad model, input or settings), \
            64 bad option.
            """
    )

    @Option(name: .long, help: "Diffusers Wan pipeline directory.")
    var model: String

    @Option(name: .long, help: "The caption of the event to render.")
    var caption: String

    @Option(name: .long, help: "Input video or image whose frames condition the render (omit for text-to-video).")
    var reference: String?

    @Option(name: .long, help: "How many reference frames to take from --reference (default: the model's vans_conditioning, 6 for VANS).")
    var referenceFrames: Int?

    @Option(name: .long, help: "Output MP4 (H.264), written atomically.")
    var out: String

    @Option(name: .long, help: "Frames to render (4k + 1; default: the directory's vans_profile.json, else the paper's 33).")
    var frames: Int?

    @Option(name: .long, help: "HEIGHTxWIDTH, multiples of 16 (default: vans_profile.json's, else the paper's 352x640).")
    var size: String?

    @Option(name: .long, help: "Denoising steps (default: vans_profile.json's, else 50).")
    var steps: Int?

    @Option(name: .long, help: "Classifier-free guidance scale, ≤ 1 turns it off (default: vans_profile.json's, else 5).")
    var guidance: Float?

    @Option(name: .long, help: "Flow shift (default: the scheduler config's).")
    var shift: Double?

    @Option(name: .long, help: "unipc, euler, or sde (the Flow-GRPO step) (default: vans_profile.json's, else unipc).")
    var sampler: WanSamplerKind?

    @Option(name: .long, help: "Negative prompt for guidance (diffusers' default is empty).")
    var negativePrompt = ""

    @Option(name: .long, help: "Seed of the initial noise (and of the SDE noise).")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Frame rate of the written video (default: vans_profile.json's, else 16).")
    var fps: Double?

    @Flag(name: .long, help: "Print one JSON object: output path, size, frames, reference frames and seconds per stage.")
    var json = false

    func validate() throws {
        if let size, Self.parse(size: size) == nil { throw ValidationError("--size must be HEIGHTxWIDTH, e.g. 352x640") }
        if let frames, frames <= 0 || frames % 4 != 1 { throw ValidationError("--frames must be 4k + 1 (1, 5, 9, …, 33, …), got \(frames)") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive") }
        if let fps, !(fps > 0 && fps.isFinite) { throw ValidationError("--fps must be positive") }
        if let referenceFrames, referenceFrames <= 0 { throw ValidationError("--reference-frames must be positive") }
    }

    private static func parse(size: String) -> (height: Int, width: Int)? {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0, parts[0] % 16 == 0, parts[1] % 16 == 0 else { return nil }
        return (parts[0], parts[1])
    }

    func run() async throws {
        do {
            // Unset options come from the directory's vans_profile.json (the paper's profile when it has none).
            var settings = try WanRenderProfile.load(directory: URL(fileURLWithPath: model)).settings
            settings.shift = shift
            settings.negativePrompt = negativePrompt
            settings.seed = seed
            if let frames { settings.frames = frames }
            if let parsed = size.flatMap({ Self.parse(size: $0) }) { (settings.height, settings.width) = parsed }
            if let steps { settings.steps = steps }
            if let guidance { settings.guidance = guidance }
            if let sampler { settings.sampler = sampler }
            if let fps { settings.fps = fps }
            let pipeline = try WanRenderPipeline(directory: URL(fileURLWithPath: model))
            var references: [VideoFrame] = []
            if let reference {
                let decoded = try VideoDecoder(path: reference).decodeAll()
                var conditioning = try pipeline.conditioning()
                if let referenceFrames { conditioning.referenceFrames = referenceFrames }
                references = conditioning.referenceIndices(frameCount: decoded.count).map { decoded[$0] }
            }
            var bars: [WanRenderStage: (bar: ProgressBar, done: Int)] = [:]
            let result = try pipeline.render(caption: caption, references: references, settings: settings) { stage, done, total in
                var entry = bars[stage] ?? (ProgressBar(total: total, label: stage.rawValue), 0)
                guard entry.done < total else { return }
                if done > entry.done { entry.bar.advance(by: done - entry.done); entry.done = done }
                if entry.done >= total { entry.bar.finish() }
                bars[stage] = entry
            }
            try VideoWriter.write(result.frames, to: out, fps: settings.fps)
            if json {
                let report = RenderReport(output: out, height: settings.height, width: settings.width, frames: result.frames.count,
                                          fps: settings.fps, referenceFrames: result.referenceFrames, steps: settings.steps, sampler: settings.sampler.rawValue,
                                          seed: seed, seconds: result.seconds)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("wrote \(out) (\(result.frames.count) frames, \(settings.height)×\(settings.width), \(result.referenceFrames) reference frames)")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

private struct RenderReport: Encodable {
    var output: String
    var height: Int
    var width: Int
    var frames: Int
    var fps: Double
    var referenceFrames: Int
    var steps: Int
    var sampler: String
    var seed: UInt64
    var seconds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case output, height, width, frames, fps, referenceFrames = "reference_frames", steps, sampler, seed, seconds
    }
}

extension WanSamplerKind: ExpressibleByArgument {}
