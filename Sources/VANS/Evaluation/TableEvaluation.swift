// Table 1 on a manifest's evaluation samples: each row's reasoner writes a caption of the next event, its renderer
// renders it, and the caption and video are scored against the ground truth. Ground-truth features (CLIP frame and
// caption embeddings, I3D features) are computed once per sample and shared by every row.
import Data
import Foundation
import CaptionMetrics
import VideoIO
import VideoMetrics

/// Something that turns a clip into a feature vector for FVD (I3D's time-averaged logits; fakes in tests).
public protocol VideoFeatureExtractor {
    func features(of frames: [VideoFrame]) throws -> [Float]
}

/// FVD features as cd-fvd computes them: FVD preprocessing (224×224 bilinear, [−1, 1]) → I3D logits.
public struct I3DFeatureExtractor: VideoFeatureExtractor {
    public let distance: FrechetVideoDistance

    public init(distance: FrechetVideoDistance) { self.distance = distance }

    public func features(of frames: [VideoFrame]) throws -> [Float] {
        try distance.features(ofPreprocessed: try FVDPreprocessing.videoTensor(frames: frames, name: "clip"))
    }
}

/// The metric networks; a missing one leaves its metrics out of the table.
public struct EvaluationMetricNetworks {
    /// CLIP (CLIP-V, CLIP-T).
    public var embedding: (any VideoEmbedding)?
    /// I3D (FVD).
    public var videoFeatures: (any VideoFeatureExtractor)?
    /// What the networks are, for the table ("VANS-Synth CLIP / I3D").
    public var description: String

    public init(embedding: (any VideoEmbedding)?, videoFeatures: (any VideoFeatureExtractor)?, description: String) {
        self.embedding = embedding
        self.videoFeatures = videoFeatures
        self.description = description
    }
}

/// Every knob of an evaluation.
public struct EvaluationSettings: Sendable, Codable, Equatable {
    /// Samples per category (the first N procedural and the first N predictive of the manifest).
    public var limit = 400
    public var seed: UInt64 = 0
    public var bootstrapResamples = 1000
    /// Score captions against every accepted wording (`answer_alternatives`), COCO multi-reference style. Off by
    /// default: the paper scores against its one ground-truth caption (`answer_caption`), as the GRPO reward does.
    public var multipleReferences = false
    public var maximumTokens = 256

    public init() {}

    enum CodingKeys: String, CodingKey {
        case limit, seed, bootstrapResamples = "bootstrap_resamples", multipleReferences = "multiple_references"
        case maximumTokens = "maximum_tokens"
    }
}

/// One (row, sample) line of samples.jsonl.
public struct EvaluationRecord: Sendable, Codable, Equatable {
    public var row: String
    public var sample: String
    public var kind: String
    public var question: String
    public var referenceCaption: String
    public var generatedText: String?
    public var reasoning: String?
    public var caption: String?
    public var followsFormat: Bool?
    /// Relative to the output folder.
    public var video: String
    public var inputVideo: String
    public var referenceVideo: String
    public var bleu: [Double]?
    public var rougeL: Double?
    public var clipV: Double?
    public var clipT: Double?
    /// `AnswerMotion` of the generated video.
    public var motion: Double?
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case row, sample, kind, question, referenceCaption = "reference_caption", generatedText = "generated_text", reasoning
        case caption, followsFormat = "follows_format", video, inputVideo = "input_video", referenceVideo = "reference_video"
        case bleu, rougeL = "rouge_l", clipV = "clip_v", clipT = "clip_t", motion, seconds
    }
}

/// The finished table.
public struct EvaluationTable: Sendable, Encodable {
    public struct Row: Sendable, Codable {
        public var row: EvaluationRow
        /// Category ("procedural", "predictive") → scores.
        public var categories: [String: CategoryScores]
    }
    public var settings: EvaluationSettings
    public var metricNetworks: String
    public var rows: [Row]
    /// VANS (SFT) against every other row, per category (empty without a VANS row).
    public var comparisons: [PairedComparison] = []
    public var records: [EvaluationRecord]
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case settings, metricNetworks = "metric_networks", rows, comparisons, seconds
    }
}

/// Runs the table.
public final class TableEvaluation {
    public let settings: EvaluationSettings
    public let rows: [EvaluationRow]
    public let reasoners: [StageVersion: any NextEventReasoner]
    public let renderers: [StageVersion: any AnswerRenderer]
    public let metrics: EvaluationMetricNetworks
    let textMetrics = TextMetrics()

    /// - Throws: `PipelineError.invalidInput` when a row needs a stage version that is not given.
    public init(settings: EvaluationSettings, rows: [EvaluationRow], reasoners: [StageVersion: any NextEventReasoner],
                renderers: [StageVersion: any AnswerRenderer], metrics: EvaluationMetricNetworks) throws {
        for row in rows {
            if let version = row.reasoner, reasoners[version] == nil {
                throw PipelineError.invalidInput("row \(row.name) needs the \(version.rawValue) reasoner (give --\(version == .base ? "base-vlm" : "vlm"))")
            }
            if renderers[row.renderer] == nil {
                throw PipelineError.invalidInput("row \(row.name) needs the \(row.renderer.rawValue) renderer (give --\(row.renderer == .base ? "base-vdm" : "vdm"))")
            }
        }
        guard settings.limit > 0 else { throw PipelineError.invalidInput("--limit must be positive, got \(settings.limit)") }
        self.settings = settings
        self.rows = rows
        self.reasoners = reasoners
        self.renderers = renderers
        self.metrics = metrics
    }

    /// The first `limit` samples of each category, in manifest order.
    public static func selectSamples(_ samples: [DatasetSample], limit: Int) -> [DatasetSample] {
        var taken: [SampleKind: Int] = [:]
        return samples.filter { sample in
            taken[sample.kind, default: 0] += 1
            return taken[sample.kind]! <= limit
        }
    }

    /// A file-name-safe spelling of a row id ("qwen*-wan*" → "qwen-star-wan-star").
    static func fileName(_ id: String) -> String { id.replacingOccurrences(of: "*", with: "-star") }

    /// Evaluates the samples of `data/manifest.jsonl`, writing videos and samples.jsonl under `output`;
    /// `progress` gets (done, total) sample×row units.
    public func run(data: URL, output: URL, progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationTable {
        let started = Date()
        let manifestURL = data.appendingPathComponent(Manifest.fileName)
        let samples = Self.selectSamples(try Manifest.read(from: manifestURL), limit: settings.limit)
        guard !samples.isEmpty else { throw PipelineError.invalidInput("\(manifestURL.path) has no samples") }
        let manager = FileManager.default
        let videos = output.appendingPathComponent("videos")
        for directory in ["inputs", "references"] + rows.map({ Self.fileName($0.id) }) {
            try manager.createDirectory(at: videos.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        let recordsURL = output.appendingPathComponent("samples.jsonl")
        guard manager.createFile(atPath: recordsURL.path, contents: nil) else {
            throw PipelineError.invalidInput("\(recordsURL.path): cannot create the file")
        }
        let recordsHandle = try FileHandle(forWritingTo: recordsURL)
        defer { try? recordsHandle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        var measurements: [String: [SampleKind: [SampleMeasurements]]] = [:]
        var records: [EvaluationRecord] = []
        let total = samples.count * rows.count
        var done = 0
        for sample in samples {
            // Ground truth, once per sample.
            let inputURL = sample.inputURL(in: data), answerURL = sample.answerURL(in: data)
            let inputCopy = "videos/inputs/\(sample.id).mp4", referenceCopy = "videos/references/\(sample.id).mp4"
            for (source, target) in [(inputURL, inputCopy), (answerURL, referenceCopy)] {
                let destination = output.appendingPathComponent(target)
                try? manager.removeItem(at: destination)
                do { try manager.copyItem(at: source, to: destination) } catch {
                    throw PipelineError.invalidInput("\(source.path) (sample \(sample.id)): \(error.localizedDescription)")
                }
            }
            let referenceFrames = try Self.frames(of: answerURL, range: sample.answerRange, sample: sample.id)
            let references = settings.multipleReferences && !sample.answerAlternatives.isEmpty
                ? Array(Set(sample.answerAlternatives + [sample.answerCaption])).sorted() : [sample.answerCaption]
            let normalizedReferences = textMetrics.tokenizer.normalize(batch: references)
            let referenceEmbeddings = try metrics.embedding?.frameEmbeddings([referenceFrames]).first
            let captionEmbedding = try metrics.embedding?.textEmbeddings([sample.answerCaption]).first
            let referenceFeatures = try metrics.videoFeatures?.features(of: referenceFrames)
            let input = AnswerInput(video: inputURL, question: sample.question)

            // Greedy captions depend only on the reasoner: rows sharing one reuse its answer.
            var answers: [StageVersion: ReasonedAnswer] = [:]
            for row in rows {
                let rowStarted = Date()
                var reasoned: ReasonedAnswer?
                if let version = row.reasoner, let reasoner = reasoners[version] {
                    if let cached = answers[version] { reasoned = cached } else {
                        let options = ReasoningOptions(samples: 1, temperature: 0, maximumTokens: settings.maximumTokens, seed: settings.seed)
                        guard let answer = try reasoner.reason(about: input, options: options, progress: nil).first else {
                            throw PipelineError.noAnswer(question: sample.question)
                        }
                        answers[version] = answer
                        reasoned = answer
                    }
                }
                let caption = reasoned?.caption ?? ""
                let rendered = try renderers[row.renderer]!.render(
                    caption: caption, input: input,
                    options: RenderOptions(seed: settings.seed, steps: nil, useReferenceFrames: row.useReferenceFrames), progress: nil)
                guard !rendered.frames.isEmpty else { throw PipelineError.invalidInput("row \(row.name) rendered no frames for \(sample.id)") }
                let videoPath = "videos/\(Self.fileName(row.id))/\(sample.id).mp4"
                try VideoWriter.write(rendered.frames, to: output.appendingPathComponent(videoPath).path, fps: rendered.fps)

                var measurement = SampleMeasurements(motion: AnswerMotion.meanAbsoluteFrameDifference(rendered.frames))
                if reasoned != nil {
                    let hypothesis = textMetrics.tokenizer.normalize(batch: [caption])[0]
                    measurement.bleu = textMetrics.bleu.statistics(hypothesis: hypothesis, references: normalizedReferences)
                    measurement.rougeL = textMetrics.rouge.score(hypothesis: hypothesis, references: normalizedReferences)
                }
                if let embedding = metrics.embedding, let referenceEmbeddings, let captionEmbedding {
                    let generated = try embedding.frameEmbeddings([rendered.frames])[0]
                    measurement.clipV = try CLIPSimilarity.videoSimilarity(generated: generated, reference: referenceEmbeddings)
                    measurement.clipT = try CLIPSimilarity.textSimilarity(frames: generated, text: captionEmbedding)
                }
                if let extractor = metrics.videoFeatures, let referenceFeatures {
                    measurement.generatedFeatures = try extractor.features(of: rendered.frames)
                    measurement.referenceFeatures = referenceFeatures
                }
                measurements[row.id, default: [:]][sample.kind, default: []].append(measurement)
                let record = EvaluationRecord(
                    row: row.id, sample: sample.id, kind: sample.kind.rawValue, question: sample.question,
                    referenceCaption: sample.answerCaption, generatedText: reasoned?.text, reasoning: reasoned?.reasoning,
                    caption: reasoned?.caption, followsFormat: reasoned?.followsFormat, video: videoPath, inputVideo: inputCopy,
                    referenceVideo: referenceCopy, bleu: measurement.bleu.map { textMetrics.bleu.scores($0) },
                    rougeL: measurement.rougeL, clipV: measurement.clipV, clipT: measurement.clipT, motion: measurement.motion,
                    seconds: Date().timeIntervalSince(rowStarted))
                records.append(record)
                var line = try encoder.encode(record)
                line.append(0x0A)
                try recordsHandle.write(contentsOf: line)
                done += 1
                progress?(done, total)
            }
        }
        let bootstrap = Bootstrap(resamples: settings.bootstrapResamples, seed: settings.seed)
        let tableRows = try rows.map { row in
            var categories: [String: CategoryScores] = [:]
            for kind in SampleKind.allCases {
                if let list = measurements[row.id]?[kind], !list.isEmpty {
                    categories[kind.rawValue] = try CategoryScores.compute(list, bootstrap: bootstrap)
                }
            }
            return EvaluationTable.Row(row: row, categories: categories)
        }
        var comparisons: [PairedComparison] = []
        if let reference = rows.first(where: { $0.id == EvaluationRow.vans.id }) {
            for row in rows where row.id != reference.id {
                for kind in SampleKind.allCases {
                    guard let own = measurements[reference.id]?[kind], let other = measurements[row.id]?[kind],
                          let comparison = try PairedComparison.compute(row: reference.id, own, baseline: row.id, other,
                                                                        category: kind.rawValue, bootstrap: bootstrap)
                    else { continue }
                    comparisons.append(comparison)
                }
            }
        }
        return EvaluationTable(settings: settings, metricNetworks: metrics.description, rows: tableRows, comparisons: comparisons,
                               records: records, seconds: Date().timeIntervalSince(started))
    }

    /// The frames of `url` within `range` (all frames when the range holds none).
    static func frames(of url: URL, range: TimeRange, sample: String) throws -> [VideoFrame] {
        let frames: [VideoFrame]
        do { frames = try VideoDecoder(path: url.path).decodeAll() } catch {
            throw PipelineError.invalidInput("\(url.path) (answer video of \(sample)): \(error)")
        }
        let kept = frames.filter { $0.timestamp >= range.start - 1e-6 && $0.timestamp < range.end - 1e-6 }
        return kept.isEmpty ? frames : kept
    }
}
