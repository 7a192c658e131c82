// The answer_small workload (scripts/bench/answer_bench.py mirrors it with transformers + diffusers): `vans answer`
// end to end at a reduced real-architecture size — Qwen2.5-VL-3B widths with 4 text layers and a 4-block vision
// tower, then Wan2.1-1.3B widths with a 4-layer DiT, a 2-layer umT5-XXL-width encoder and the full Wan VAE —
// random weights (bf16; VAE float32), 16 greedy tokens, 9 frames at 128×224, 4 UniPC steps with guidance, text only
// (diffusers' WanPipeline has no reference-frame conditioning). Each call loads the models, reasons, releases the
// VLM, renders and writes the MP4, as the command does.
import Foundation
import VANS
import VideoIO

enum AnswerBench {
    /// The directories answer_bench.py writes (`scripts/pipeline/real_shaped_models.py --preset answer_small`).
    static var directory: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["VANS_BENCH_ANSWER_DIR"] ?? "/tmp/vans-bench-answer")
    }

    static func step() -> () -> Float {
        let root = directory
        let video = root.appendingPathComponent("input.mp4")
        guard FileManager.default.fileExists(atPath: video.path) else {
            fail("answer_small: \(root.path) has no models; run scripts/bench/answer_bench.py --prepare (bench.py does it first)")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("vans-bench-answer-\(getpid()).mp4")
        return {
            do {
                let reasoner = try QwenVLReasoner(directory: root.appendingPathComponent("vlm"))
                let input = AnswerInput(video: video, question: "What will happen next?")
                let answers = try reasoner.reason(about: input, options: ReasoningOptions(maximumTokens: reasoner.profile.maximumNewTokens),
                                                  progress: nil)
                reasoner.release()
                let renderer = try WanAnswerRenderer(directory: root.appendingPathComponent("vdm"))
                let rendered = try renderer.render(caption: answers[0].caption, input: input,
                                                   options: RenderOptions(seed: 0, useReferenceFrames: false), progress: nil)
                try VideoWriter.write(rendered.frames, to: output.path, fps: rendered.fps)
                return Float(rendered.frames[0].pixels[0])
            } catch {
                fail("answer_small: \(error)")
            }
        }
    }
}

let answerWorkloads: [Workload] = [
    Workload(name: "answer_small", summary: "vans answer end to end, Qwen2.5-VL-3B/Wan2.1-1.3B widths at reduced depth: load, 16 tokens, release, 9×128×224 in 4 CFG steps, MP4") {
        AnswerBench.step()
    },
]
