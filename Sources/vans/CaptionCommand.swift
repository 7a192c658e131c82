import ArgumentParser
import Foundation
import QwenVL
import Support
import VANS

/// `vans caption`: the VLM half of VANS on one video — reason, then describe the next event.
struct CaptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caption",
        abstract: "Predict the next event of a video with Qwen2.5-VL: reasoning and an answer caption.",
        discussion: """
            Loads a Qwen2.5-VL model directory (config.json, safetensors weights, tokenizer.json, \
            generation_config.json), samples the video at the paper's evaluation rate (1 fps by default), asks the \
            question under the paper's system prompt and prints the [Think] reasoning and the [Ans] caption. \
            With --samples G, G answers share one prefill (a GRPO group). Progress goes to standard error.
            Exit codes: 0 success, 2 unusable model directory or adapter, 3 unreadable video or image, 4 generation failed.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Qwen2.5-VL model directory.", valueName: "DIR"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("The input video.", valueName: "FILE"))
    var video: String?

    @Option(name: .long, help: "The question about the video.")
    var question: String

    @Option(name: .long, help: ArgumentHelp("An input image (the reasoning image-to-video setting); may go with --video.", valueName: "FILE"))
    var image: String?

    @Option(name: .long, help: ArgumentHelp("Answers to sample from one prefill (needs --temperature > 0 when above 1).", valueName: "G"))
    var samples = 1

    @Option(name: .long, help: "Sampling temperature; 0 decodes greedily.")
    var temperature: Float = 0

    @Option(name: .long, help: "Keep the k most likely tokens when sampling (0 = off).")
    var topK = 0

    @Option(name: .long, help: "Nucleus sampling mass (1 = off).")
    var topP: Float = 1

    @Option(name: .long, help: "Random seed; answer r uses seed + r.")
    var seed: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("New tokens per answer at most.", valueName: "N"))
    var maxTokens = 512

    @Option(name: .long, help: ArgumentHelp("A PEFT LoRA adapter directory (adapter_model.safetensors + adapter_config.json), merged for inference.", valueName: "DIR"))
    var adapter: String?

    @Option(name: .long, help: "Video frames sampled per second (the paper evaluates at 1).")
    var fps: Double = 1

    @Option(name: .long, help: ArgumentHelp("Most video frames to sample.", valueName: "N"))
    var maxFrames = 768

    @Option(name: .long, help: ArgumentHelp("Per-frame pixel cap for the video (lowers qwen-vl-utils' budget only).", valueName: "PIXELS"))
    var maxPixels: Double?

    @Option(name: .long, help: ArgumentHelp("Per-frame pixel floor for the video (qwen-vl-utils' default 100352; 3136 suits 64×64 VANS-Synth clips).", valueName: "PIXELS"))
    var minPixels: Double = 128 * 28 * 28

    @Flag(name: .long, help: "Print JSON: texts, reasoning, answers, token counts, timings.")
    var json = false

    @Flag(name: .long, help: "Include every generated token id and its log-probability in the JSON.")
    var logProbs = false

    func validate() throws {
        if video == nil && image == nil { throw ValidationError("Give --video FILE and/or --image FILE.") }
        if samples < 1 { throw ValidationError("--samples must be at least 1.") }
        if samples > 1 && temperature <= 0 { throw ValidationError("--samples above 1 needs --temperature > 0 (greedy answers would be identical).") }
        if temperature < 0 || !temperature.isFinite { throw ValidationError("--temperature must be ≥ 0.") }
        if topK < 0 { throw ValidationError("--top-k must be ≥ 0.") }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1].") }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1.") }
        if !(fps > 0 && fps.isFinite) { throw ValidationError("--fps must be positive.") }
        if maxFrames < 2 { throw ValidationError("--max-frames must be at least 2.") }
        if !(minPixels > 0) || (maxPixels.map { $0 < minPixels } ?? false) { throw ValidationError("--min-pixels must be positive and at most --max-pixels.") }
        if logProbs && !json { throw ValidationError("--log-probs goes with --json.") }
    }

    struct Sample: Encodable {
        let text: String
        let reasoning: String?
        let answer: String
        let followsFormat: Bool
        let tokens: Int
        let stopped: Bool
        let tokenIds: [Int]?
        let logProbs: [Float]?
        let sumLogProb: Float
    }

    struct Output: Encodable {
        let model: String
        let question: String
        let promptTokens: Int
        let videoGrid: [Int]?
        let secondPerGridT: Float?
        let imageGrid: [Int]?
        let samples: [Sample]
        let timings: Timings
    }

    struct Timings: Encodable {
        let loadSeconds: Double
        let inputSeconds: Double
        let prefillSeconds: Double
        let decodeSeconds: Double
        let decodeTokensPerSecond: Double
    }

    func run() async throws {
        let format = AnswerFormat()
        var options = QwenVLProcessor.Options.paperEvaluation
        options.fps = fps
        options.maxFrames = maxFrames
        options.videoMaxPixels = maxPixels
        options.videoMinPixels = minPixels
        let loadStarted = Date()
        status("loading \(model)")
        let captioner: QwenVLCaptioner
        do {
            captioner = try QwenVLCaptioner(directory: URL(fileURLWithPath: model), adapter: adapter.map { URL(fileURLWithPath: $0) },
                                            options: options, systemPrompt: format.systemPrompt)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let loadSeconds = Date().timeIntervalSince(loadStarted)
        var sampling = QwenVLSamplingOptions()
        sampling.samples = samples
        sampling.temperature = temperature
        sampling.topK = topK
        sampling.topP = topP
        sampling.seed = seed
        sampling.maximumTokens = maxTokens
        var bar: ProgressBar?
        var inputReady = false
        let caption: QwenVLCaptioner.Caption
        do {
            caption = try captioner.caption(question: question, videoPath: video, imagePath: image, options: sampling) { phase in
                switch phase {
                case .preparingInput: status("preparing \(video ?? image ?? "input") (fps \(fps))")
                case .prefill(let tokens):
                    inputReady = true
                    status("prefill: \(tokens) prompt tokens")
                case .decode(let generated, let maximum):
                    if bar == nil { bar = ProgressBar(total: maximum, label: "decode") }
                    bar?.advance(by: 1)
                    _ = generated
                }
            }
            bar?.finish()
        } catch {
            bar?.finish()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(inputReady ? 4 : 3)
        }
        let result = caption.result
        let samplesOut = zip(caption.texts, result.completions).map { text, completion in
            let parsed = format.parse(text)
            return Sample(text: text, reasoning: parsed.reasoning, answer: parsed.answer, followsFormat: parsed.followsFormat,
                          tokens: completion.tokens.count, stopped: completion.stopped,
                          tokenIds: logProbs ? completion.tokens : nil, logProbs: logProbs ? completion.logProbabilities : nil,
                          sumLogProb: completion.logProbabilities.reduce(0, +))
        }
        let generated = result.completions.map(\.tokens.count).max() ?? 0
        let timings = Timings(loadSeconds: loadSeconds, inputSeconds: caption.inputSeconds, prefillSeconds: result.prefillSeconds,
                              decodeSeconds: result.decodeSeconds,
                              decodeTokensPerSecond: result.decodeSeconds > 0 ? Double(generated * samples) / result.decodeSeconds : 0)
        if json {
            let grid = caption.prompt.videoGrid.map { [$0.temporal, $0.height, $0.width] }
            let output = Output(model: model, question: question, promptTokens: result.promptTokenCount, videoGrid: grid,
                                secondPerGridT: caption.prompt.secondPerGridTs.first,
                                imageGrid: caption.prompt.image.map { [$0.grid.temporal, $0.grid.height, $0.grid.width] },
                                samples: samplesOut, timings: timings)
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        for (index, sample) in samplesOut.enumerated() {
            if samplesOut.count > 1 { print("── sample \(index + 1) of \(samplesOut.count) (seed \(seed &+ UInt64(index)))") }
            print("Reasoning: \(sample.reasoning ?? "(none)")")
            print("Answer: \(sample.answer)")
            if !sample.followsFormat { print("(the output does not follow the [Think]/[Ans] format; raw text: \(sample.text.debugDescription))") }
        }
        status(String(format: "%d prompt tokens; input %.2fs, prefill %.2fs, decode %.2fs (%.1f tokens/s)", result.promptTokenCount,
                      caption.inputSeconds, result.prefillSeconds, result.decodeSeconds, timings.decodeTokensPerSecond))
    }

    private func status(_ line: String) {
        FileHandle.standardError.write(Data("[caption] \(line)\n".utf8))
    }
}
