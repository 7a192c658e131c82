// `vans metrics video`: the paper's video metrics (App. C.2) over directories of generated and reference videos
// paired by file name: CLIP-V and, with captions, CLIP-T (with a CLIP directory); FVD (with I3D weights).
import ArgumentParser
import CLIP
import I3D
import Foundation
import Support
import VideoIO
import VideoMetrics

struct VideoMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Score generated videos against reference videos: CLIP-V, CLIP-T and FVD.",
        discussion: """
            Videos pair by file name across the two directories (every video needs a partner). CLIP-V: per generated \
            frame, the cosine of its CLIP image embedding with the reference frame at index \
            round(linspace(0, n − 1, F)) (the reference resampled to the generated count F), averaged over frames, \
            then over videos. CLIP-T: per frame, the cosine with the caption's text embedding, averaged likewise \
            (--text-form clipscore gives Hessel's 2.5·max(cos, 0) instead; --aggregation pooled takes one cosine of the \
            renormalised mean frame embeddings instead of the mean of per-frame cosines). Frames are preprocessed as the CLIP \
            directory's CLIPImageProcessor (PIL bicubic) does. FVD (with --i3d): cd-fvd's preprocessing (every frame \
            resized to 224×224, bilinear without antialias, scaled to [−1, 1]), the time-averaged I3D logits of each \
            video, and the Fréchet distance of the two sets with unbiased covariances in float64 (needs at least 2 \
            videos). Exit codes: 0 scored, 1 unreadable or unpaired \
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

    @Option(name: .long, help: "I3D weights for FVD: cd-fvd's i3d_pretrained_400.pt (read without executing its pickle), a safetensors copy, or the i3d/ folder `vans experiment pretrain-metrics` writes.")
    var i3d: String?

    @Option(name: .long, help: "Batch-norm epsilon of the I3D weights (1e-5 for the PyTorch port, 1e-3 for TF-Hub conversions).")
    var i3dEpsilon: Float = 1e-5

    @Option(name: .long, help: "How frame–caption cosines are scored: cosine (CLIP-T, the default) or clipscore (2.5·max(cos, 0)).")
    var textForm: TextSimilarityForm = .cosine

    @Option(name: .long, help: "How frames are aggregated: mean (of per-frame cosines, the default) or pooled (cosine of the renormalised mean embeddings).")
    var aggregation: FrameAggregation = .meanOfCosines

    @Option(name: .long, help: "Frames per CLIP forward pass (bounds memory).")
    var batchSize = 256

    @Flag(name: .long, help: "Print one JSON object: clip_v, clip_t, fvd, text_form, aggregation, videos and per_video (null where not computed).")
    var json = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard clip != nil || i3d != nil else { throw ValidationError("nothing to compute: give --clip DIR and/or --i3d FILE") }
        guard captions == nil || clip != nil else { throw ValidationError("--captions needs --clip DIR (CLIP-T)") }
    }

    func run() async throws {
        var output = VideoMetricsOutput()
        do {
            let pairs = try VideoPairs(generated: URL(fileURLWithPath: generated), reference: URL(fileURLWithPath: reference))
            output.videos = pairs.names.count
            if let clip {
                let texts = try captions.map { try VideoPairs.captions(file: URL(fileURLWithPath: $0), names: pairs.names) }
                let bundle = try CLIPBundle.load(directory: URL(fileURLWithPath: clip))
                let metrics = CLIPVideoMetrics(embedder: CLIPVideoEmbedder(clip: bundle, maximumBatch: batchSize),
                                               textForm: textForm, aggregation: aggregation)
                let bar = ProgressBar(total: pairs.names.count, label: "CLIP")
                output.clip = try metrics.evaluate(pairs: pairs, captions: texts) { bar.advance() }
                bar.finish()
            }
            if let i3d {
                let network = try InceptionI3d.load(contentsOf: EvalCommand.i3dWeights(i3d), batchNormEpsilon: i3dEpsilon)
                let bar = ProgressBar(total: 2 * pairs.names.count, label: "I3D")
                output.fvd = try FrechetVideoDistance(i3d: network).distance(
                    generated: pairs.names.map { pairs.generated.appendingPathComponent($0) },
                    reference: pairs.names.map { pairs.reference.appendingPathComponent($0) }) { _, _ in bar.advance() }
                bar.finish()
            }
        } catch let error as VideoMetricsError {
            throw Self.fail(error.description)
        } catch let error as CLIPError {
            throw Self.fail(error.description)
        } catch let error as I3DError {
            throw Self.fail(error.description)
        } catch let error as VideoIOError {
            throw Self.fail(error.description)
        }
        output.textForm = textForm
        output.aggregation = aggregation
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print("videos   \(output.videos)")
            if let report = output.clip {
                print("CLIP-V   " + String(format: "%.6f", report.clipV))
                if let clipT = report.clipT {
                    print((textForm == .cosine ? "CLIP-T   " : "CLIPScore ") + String(format: "%.6f", clipT))
                }
            }
            if let fvd = output.fvd { print("FVD      " + String(format: "%.4f", fvd.distance)) }
        }
    }

    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return .failure
    }
}

extension TextSimilarityForm: ExpressibleByArgument {}
extension FrameAggregation: ExpressibleByArgument {}

/// What `--json` prints: every metric key always present (null where not asked for), as scripts expect.
private struct VideoMetricsOutput: Encodable {
    var clip: VideoMetricsReport?
    var fvd: FrechetVideoDistance.Result?
    var textForm: TextSimilarityForm = .cosine
    var aggregation: FrameAggregation = .meanOfCosines
    var videos = 0

    enum CodingKeys: String, CodingKey {
        case clipV = "clip_v", clipT = "clip_t", fvd, textForm = "text_form", aggregation, videos, perVideo = "per_video"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(clip?.clipV, forKey: .clipV)
        try container.encode(clip?.clipT, forKey: .clipT)
        try container.encode(fvd?.distance, forKey: .fvd)
        try container.encode(textForm, forKey: .textForm)
        try container.encode(aggregation, forKey: .aggregation)
        try container.encode(videos, forKey: .videos)
        try container.encode(clip?.perVideo ?? [], forKey: .perVideo)
    }
}
