// `vans metrics video`: the paper's video metrics (App. C.2) over directories of generated and reference videos
// paired by file name: CLIP-V and, with captions, CLIP-T.
import ArgumentParser
import CLIP
import Foundation
import Support
import VideoIO
import VideoMetrics

struct VideoMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Score generated videos against reference videos: CLIP-V and CLIP-T.",
        discussion: """
            Videos pair by file name across the two directories (every video needs a partner). CLIP-V: per generated \
            frame, the cosine of its CLIP image embedding with the reference frame at index \
            round(linspace(0, n − 1, F)) (the reference resampled to the generated count F), averaged over frames, \
            then over videos. CLIP-T: per frame, the cosine with the caption's text embedding, averaged likewise \
            (--text-form clipscore gives Hessel's 2.5·max(cos, 0) instead; --aggregation pooled takes one cosine of the \
            renormalised mean frame embeddings instead of the mean of per-frame cosines). Frames are preprocessed as the CLIP \
            directory's CLIPImageProcessor (PIL bicubic) does. Exit codes: 0 scored, 1 unreadable or unpaired \
            input, 64 bad option.
            """
    )

    @Option(name: .long, help: "Directory of generated videos.")
    var generated: String

    @Option(name: .long, help: "Directory of reference (ground-truth) videos with the same file names.")
    var reference: String

    @Option(name: .long, help: "Captions for CLIP-T: one line per video in file-name order, or JSON lines {\"video\": name, \"caption\": text}.")
    var captions: String?

    @Option(name: .long, help: "CLIP model directory (config.json, model.safetensors, preprocessor_config.json, tokenizer.json), e.g. openai/clip-vit-base-patch32.")
    var clip: String?

    @Option(name: .long, help: "How frame–caption cosines are scored: cosine (CLIP-T, the default) or clipscore (2.5·max(cos, 0)).")
    var textForm: TextSimilarityForm = .cosine

    @Option(name: .long, help: "How frames are aggregated: mean (of per-frame cosines, the default) or pooled (cosine of the renormalised mean embeddings).")
    var aggregation: FrameAggregation = .meanOfCosines

    @Option(name: .long, help: "Frames per CLIP forward pass (bounds memory).")
    var batchSize = 256

    @Flag(name: .long, help: "Print one JSON object: clip_v, clip_t, text_form, aggregation, videos and per_video.")
    var json = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard clip != nil else { throw ValidationError("nothing to compute: give --clip DIR") }
    }

    func run() async throws {
        let report: VideoMetricsReport
        do {
            let pairs = try VideoPairs(generated: URL(fileURLWithPath: generated), reference: URL(fileURLWithPath: reference))
            let texts = try captions.map { try VideoPairs.captions(file: URL(fileURLWithPath: $0), names: pairs.names) }
            let bundle = try CLIPBundle.load(directory: URL(fileURLWithPath: clip!))
            let metrics = CLIPVideoMetrics(embedder: CLIPVideoEmbedder(clip: bundle, maximumBatch: batchSize),
                                           textForm: textForm, aggregation: aggregation)
            let bar = ProgressBar(total: pairs.names.count, label: "CLIP")
            report = try metrics.evaluate(pairs: pairs, captions: texts) { bar.advance() }
            bar.finish()
        } catch let error as VideoMetricsError {
            throw Self.fail(error.description)
        } catch let error as CLIPError {
            throw Self.fail(error.description)
        } catch let error as VideoIOError {
            throw Self.fail(error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("videos   \(report.videos)")
            print("CLIP-V   " + String(format: "%.6f", report.clipV))
            if let clipT = report.clipT {
                print((textForm == .cosine ? "CLIP-T   " : "CLIPScore ") + String(format: "%.6f", clipT))
            }
        }
    }

    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return .failure
    }
}

extension TextSimilarityForm: ExpressibleByArgument {}
extension FrameAggregation: ExpressibleByArgument {}
