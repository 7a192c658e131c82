// The real stages behind the pipeline protocols, on tiny random-weight directories: QwenVLReasoner against
// QwenVLCaptioner, WanAnswerRenderer against WanRenderPipeline, VANSPipeline end to end to a playable MP4, and the
// typed errors of bad inputs. The VLM directory is the committed Fixtures/pipeline/vlm (scripts/fixtures/
// vans_pipeline.py); the VDM directory is assembled per test from Tests/WanTests/Fixtures/wan_render/pipeline plus a
// vans_profile.json, so the Wan fixture is not duplicated.
import Foundation
import TestSupport
import QwenVL
import Tensor
import Testing
import VideoIO
import Wan
@testable import VANS

enum PipelineFixtures {
    static var vlm: URL {
        get throws { try #require(Bundle.module.url(forResource: "Fixtures/pipeline/vlm", withExtension: nil)) }
    }

    /// The Wan render fixture of the Wan tests (its numbers are checked against diffusers there).
    static var wanPipeline: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("WanTests/Fixtures/wan_render/pipeline")
    }

    static let profileJSON = #"{"profile": "test", "frames": 5, "height": 32, "width": 48, "fps": 8, "reference_frames": 3, "steps": 2, "guidance": 5.0, "sampler": "unipc"}"#

    /// A fresh temporary directory.
    static func temporary() throws -> URL {
        let directory = ScratchDirectory.root.appendingPathComponent("vans-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A VDM directory in `root`: the Wan fixture plus `profile` as vans_profile.json (none when nil).
    static func vdm(in root: URL, profile: String? = profileJSON) throws -> URL {
        let directory = root.appendingPathComponent("vdm")
        try FileManager.default.copyItem(at: wanPipeline, to: directory)
        if let profile { try Data(profile.utf8).write(to: directory.appendingPathComponent("vans_profile.json")) }
        return directory
    }

    /// A 24-frame 64×48 clip at 8 fps with moving content, written to `root/input.mp4`.
    static func clip(in root: URL, count: Int = 24) throws -> URL {
        let url = root.appendingPathComponent("input.mp4")
        let frames = (0..<count).map { t in
            VideoFrame(width: 64, height: 48, pixels: (0..<(64 * 48 * 3)).map { i in
                let pixel = i / 3, x = pixel % 64, y = pixel / 64
                return UInt8(truncatingIfNeeded: (i % 3 == 0 ? x * 4 + t * 9 : i % 3 == 1 ? y * 5 : (x ^ y) + t * 3))
            }, timestamp: Double(t) / 8, index: t)
        }
        try VideoWriter.write(frames, to: url.path, fps: 8)
        return url
    }
}

@Suite struct QwenVLReasonerTests {
    // G sampled answers (and a greedy one) are exactly QwenVLCaptioner's texts for the same options, parsed by AnswerFormat.
    @Test func matchesCaptioner() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = try PipelineFixtures.clip(in: root)
        let reasoner = try QwenVLReasoner(directory: PipelineFixtures.vlm)
        #expect(reasoner.profile.fps == 2 && reasoner.profile.maximumNewTokens == 6 && reasoner.adapter == nil)
        let captioner = try QwenVLCaptioner(directory: PipelineFixtures.vlm, options: reasoner.profile.processorOptions,
                                            systemPrompt: reasoner.format.systemPrompt)
        for options in [ReasoningOptions(samples: 3, temperature: 1, topP: 0.9, maximumTokens: 6, seed: 11),
                        ReasoningOptions(samples: 1, temperature: 0, maximumTokens: 5, seed: 0)] {
            var events: [StageProgress] = []
            let answers = try reasoner.reason(about: AnswerInput(video: clip, question: "What happens next?"), options: options) { events.append($0) }
            let expected = try captioner.caption(question: "What happens next?", videoPath: clip.path,
                                                 options: reasoner.samplingOptions(options)).texts
            #expect(answers == expected.map { ReasonedAnswer(text: $0, format: reasoner.format) })
            #expect(events.first == StageProgress(stage: "reasoning", done: 0, total: options.maximumTokens))
            #expect(events.last == StageProgress(stage: "reasoning", done: options.maximumTokens, total: options.maximumTokens))
        }
    }

    // Weights load lazily, release() drops them, and the next call reloads and answers the same.
    @Test func releasesAndReloads() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = try PipelineFixtures.clip(in: root)
        let reasoner = try QwenVLReasoner(directory: PipelineFixtures.vlm)
        #expect(!reasoner.isLoaded)
        let options = ReasoningOptions(samples: 2, temperature: 1, maximumTokens: 4, seed: 3)
        let first = try reasoner.reason(about: AnswerInput(video: clip, question: "Why?"), options: options, progress: nil)
        #expect(reasoner.isLoaded)
        reasoner.release()
        #expect(!reasoner.isLoaded)
        #expect(try reasoner.reason(about: AnswerInput(video: clip, question: "Why?"), options: options, progress: nil) == first)
    }

    // A PEFT adapter in adapter/ is merged: answers equal a captioner given that adapter, and differ from the base's.
    @Test func loadsAdapterDirectory() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = try PipelineFixtures.clip(in: root)
        let directory = root.appendingPathComponent("vlm-sft")
        try FileManager.default.copyItem(at: PipelineFixtures.vlm, to: directory)
        let model = try QwenVLModel.load(directory: directory)
        var configuration = QwenVLLoRAConfiguration()
        configuration.rank = 2
        let adapters = try QwenVLLoRA.apply(to: model, configuration: configuration, seed: 1)
        var generator = RandomGenerator(seed: 2)
        let weights = adapters.savedWeights().mapValues { $0 }.reduce(into: [String: Tensor]()) { result, entry in
            result[entry.key] = entry.key.contains("lora_B") ? generator.normal(entry.value.shape, standardDeviation: 0.5) : entry.value
        }
        try adapters.load(savedWeights: weights)
        try QwenVLLoRA.save(adapters, configuration: configuration, to: directory.appendingPathComponent("adapter"))

        let reasoner = try QwenVLReasoner(directory: directory)
        #expect(reasoner.adapter?.lastPathComponent == "adapter")
        let options = ReasoningOptions(samples: 1, temperature: 0, maximumTokens: 6)
        let input = AnswerInput(video: clip, question: "What next?")
        let answers = try reasoner.reason(about: input, options: options, progress: nil)
        let captioner = try QwenVLCaptioner(directory: directory, adapter: directory.appendingPathComponent("adapter"),
                                            options: reasoner.profile.processorOptions, systemPrompt: reasoner.format.systemPrompt)
        let expected = try captioner.caption(question: "What next?", videoPath: clip.path, options: reasoner.samplingOptions(options))
        #expect(answers.map(\.text) == expected.texts)
        let base = try QwenVLReasoner(directory: PipelineFixtures.vlm).reason(about: input, options: options, progress: nil)
        #expect(base.map(\.text) != answers.map(\.text))
    }

    // Without vans_profile.json the paper's real-model profile applies (1 fps, qwen-vl-utils budgets, 512 tokens).
    @Test func paperProfileByDefault() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("vlm")
        try FileManager.default.copyItem(at: PipelineFixtures.vlm, to: directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vans_profile.json"))
        let reasoner = try QwenVLReasoner(directory: directory)
        #expect(reasoner.profile == .paper && reasoner.profile.processorOptions == .paperEvaluation)
        try Data(#"{"fps": 0}"#.utf8).write(to: directory.appendingPathComponent("vans_profile.json"))
        #expect(throws: PipelineError.self) { try QwenVLReasoner(directory: directory) }
    }
}

@Suite struct WanAnswerRendererTests {
    // The renderer's video equals WanRenderPipeline.render's for the same references (n frames evenly spaced,
    // cropped and resized to the output size) and seed; without reference frames it is the text-only render.
    @Test func matchesWanRenderPipeline() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = try PipelineFixtures.clip(in: root)
        let directory = try PipelineFixtures.vdm(in: root)
        let renderer = try WanAnswerRenderer(directory: directory)
        #expect(renderer.profile.frames == 5 && renderer.profile.referenceFrames == 3 && renderer.profile.steps == 2)
        let input = AnswerInput(video: clip, question: "What next?")
        var stages: [String] = []
        let video = try renderer.render(caption: "A red ball rolls left.", input: input, options: RenderOptions(seed: 4)) {
            if stages.last != $0.stage { stages.append($0.stage) }
        }
        #expect(stages == ["text encoding", "VAE encode", "denoising", "VAE decode"])
        let decoded = try VideoDecoder(path: clip.path).decodeAll()
        let processor = try WanVideoProcessor(height: 32, width: 48)
        let references = [0, 12, 23].map { processor.cropAndResize(decoded[$0]) }  // round(i·23/2): 11.5 → 12
        let pipeline = try WanRenderPipeline(directory: directory)
        let expected = try pipeline.render(caption: "A red ball rolls left.", references: references,
                                           settings: renderer.profile.settings(RenderOptions(seed: 4)))
        #expect(video.frames == expected.frames && video.referenceFrames == 3 && video.fps == 8)
        #expect(video.frames.count == 5 && video.frames[0].width == 48 && video.frames[0].height == 32)

        let textOnly = try renderer.render(caption: "A red ball rolls left.", input: input,
                                           options: RenderOptions(seed: 4, steps: 1, useReferenceFrames: false), progress: nil)
        var settings = renderer.profile.settings(RenderOptions(seed: 4, steps: 1))
        settings.steps = 1
        let expectedTextOnly = try pipeline.render(caption: "A red ball rolls left.", references: [], settings: settings)
        #expect(textOnly.frames == expectedTextOnly.frames && textOnly.referenceFrames == 0)
    }

    // The reference rule: round(i·(F−1)/(n−1)) half to even, first and last included; all frames when F < n; as Wan's.
    @Test func evenlySpacedReferenceIndices() throws {
        #expect(WanAnswerRenderer.evenlySpacedIndices(frameCount: 24, count: 6) == [0, 5, 9, 14, 18, 23])
        #expect(WanAnswerRenderer.evenlySpacedIndices(frameCount: 3, count: 6) == [0, 1, 2])
        #expect(WanAnswerRenderer.evenlySpacedIndices(frameCount: 10, count: 1) == [0])
        #expect(WanAnswerRenderer.evenlySpacedIndices(frameCount: 0, count: 6) == [])
        for frames in 1...40 {
            for count in 1...8 {
                #expect(WanAnswerRenderer.evenlySpacedIndices(frameCount: frames, count: count)
                        == (try WanVideoProcessor.referenceIndices(totalFrames: frames, count: min(frames, count))))
            }
        }
    }

    // An image input gives one reference frame; no profile means the paper's (33 × 352×640, n = 6, 50 steps).
    @Test func imageInputAndPaperProfile() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let image = try PipelineFixtures.clip(in: root, count: 1)  // a one-frame file stands in for a still image
        let renderer = try WanAnswerRenderer(directory: try PipelineFixtures.vdm(in: root))
        let references = try renderer.referenceFrames(for: AnswerInput(image: image, question: "q"))
        #expect(references.count == 1 && references[0].width == 48 && references[0].height == 32)
        let paper = try WanAnswerRenderer(directory: try PipelineFixtures.vdm(in: root.appendingPathComponent("p"), profile: nil))
        #expect(paper.profile == .paper)
        let settings = paper.profile.settings(RenderOptions(seed: 1, steps: 20))
        #expect(settings.frames == 33 && settings.height == 352 && settings.width == 640 && settings.steps == 20
                && settings.guidance == 5 && settings.fps == 16 && paper.profile.referenceFrames == 6)
    }
}

@Suite struct PipelineEndToEndTests {
    // Reasoner + renderer through VANSPipeline write a playable H.264 MP4 at the profile's size, frame count and rate.
    @Test func writesPlayableAnswer() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = try PipelineFixtures.clip(in: root)
        let pipeline = VANSPipeline(reasoner: try QwenVLReasoner(directory: PipelineFixtures.vlm),
                                    renderer: try WanAnswerRenderer(directory: try PipelineFixtures.vdm(in: root)))
        let answers = try pipeline.answer(AnswerInput(video: clip, question: "What happens next?"),
                                          reasoning: ReasoningOptions(samples: 2, temperature: 1, maximumTokens: 4, seed: 5),
                                          rendering: RenderOptions(seed: 9, steps: 1))
        #expect(answers.count == 2)
        for (k, answer) in answers.enumerated() {
            let path = root.appendingPathComponent("answer-\(k).mp4").path
            try VANSPipeline.write(answer, to: path)
            let frames = try VideoDecoder(path: path).decodeAll()
            #expect(frames.count == 5 && frames[0].width == 48 && frames[0].height == 32)
            let info = try VideoInfo(contentsOf: path)
            #expect(info.codec == "h264" && abs(info.fps - 8) < 1e-6)
        }
    }

    // Bad inputs give typed errors, never a crash: missing file, text file as video, empty question, 0 samples,
    // missing or malformed model directories.
    @Test func badInputsThrowTypedErrors() throws {
        let root = try PipelineFixtures.temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = try PipelineFixtures.clip(in: root)
        let text = root.appendingPathComponent("notes.mp4")
        try Data("not a video".utf8).write(to: text)
        let reasoner = try QwenVLReasoner(directory: PipelineFixtures.vlm)
        let renderer = try WanAnswerRenderer(directory: try PipelineFixtures.vdm(in: root))
        let options = ReasoningOptions(maximumTokens: 2)
        func isInvalidInput(_ body: () throws -> Void) -> Bool {
            do { try body(); return false } catch let error as PipelineError {
                if case .invalidInput = error { return true }
                return false
            } catch { return false }
        }
        #expect(isInvalidInput { _ = try reasoner.reason(about: AnswerInput(video: root.appendingPathComponent("missing.mp4"), question: "q"), options: options, progress: nil) })
        #expect(isInvalidInput { _ = try reasoner.reason(about: AnswerInput(video: text, question: "q"), options: options, progress: nil) })
        #expect(isInvalidInput { _ = try reasoner.reason(about: AnswerInput(video: clip, question: "  "), options: options, progress: nil) })
        #expect(isInvalidInput { _ = try reasoner.reason(about: AnswerInput(video: clip, question: "q"), options: ReasoningOptions(samples: 0), progress: nil) })
        #expect(isInvalidInput { _ = try reasoner.reason(about: AnswerInput(question: "q"), options: options, progress: nil) })
        #expect(isInvalidInput { _ = try renderer.render(caption: "c", input: AnswerInput(video: text, question: "q"), options: RenderOptions(), progress: nil) })
        #expect(isInvalidInput { _ = try renderer.render(caption: "c", input: AnswerInput(video: clip, question: "q"), options: RenderOptions(steps: 0), progress: nil) })
        #expect(throws: PipelineError.self) { try QwenVLReasoner(directory: root.appendingPathComponent("nowhere")) }
        #expect(throws: PipelineError.self) { try WanAnswerRenderer(directory: root) }
        let badProfile = try PipelineFixtures.vdm(in: root.appendingPathComponent("bad"), profile: #"{"frames": 6}"#)
        #expect(throws: PipelineError.self) { try WanAnswerRenderer(directory: badProfile) }
    }
}
