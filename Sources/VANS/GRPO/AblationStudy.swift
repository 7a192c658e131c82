// The paper's Table 2 (§5.3) as an experiment: every row trained from the SFT models for each seed, sharing what
// rows share (stage 1's VLM is the frozen anchor of every stage-2 row and stage 1 + 2 reuses it; the cascade row is
// the two isolated rows' models together), each row's models handed to the Table-1 evaluation, and the metrics
// written as mean and 95 % confidence interval over seeds (Student t).
import Foundation
import Support
import VideoMetrics

/// The two models one Table-2 row is evaluated with.
public struct AblationRowModels: Sendable, Codable, Equatable {
    public var row: String
    public var vlm: URL
    public var vdm: URL

    public init(row: String, vlm: URL, vdm: URL) {
        self.row = row
        self.vlm = vlm
        self.vdm = vdm
    }
}

/// The Table-1 evaluation as the ablation calls it: one row's models on the evaluation split, per category
/// (`procedural`, `predictive`) the metrics by name (`BLEU@1`…`BLEU@4`, `ROUGE-L`, `FVD`, `CLIP-V`, `CLIP-T`, and a
/// motion statistic, `motion` = mean absolute frame difference of the answer videos).
public protocol AblationEvaluation {
    func evaluate(_ models: AblationRowModels, seed: UInt64) throws -> [String: [String: Double]]
    /// Where the evaluation leaves `ROW/seed-K/samples.jsonl` and its videos (Table 1's layout), for the report's
    /// side-by-side answers; nil when it writes none.
    var recordsDirectory: URL? { get }
}

extension AblationEvaluation {
    public var recordsDirectory: URL? { nil }
}

/// Sizes of an ablation run.
public struct AblationProfile: Sendable, Codable, Equatable {
    public var name: String
    public var stepsPerPhase: Int
    public var groupSize: Int
    public var sampleLimit: Int
    public var sdeSteps: Int
    public var promptsPerStep: Int
    /// VLM sampling temperature τ of the rollouts. Decision 15's τ = 1 suits a pretrained Qwen2.5-VL; the shipped
    /// VANS-Synth SFT VLM is greedy-accurate but flat, and measured over 4 steps × G = 8 of `grpo-vlm` (32 train
    /// samples, seed 0) no completion kept the [Think]/[Ans] format at τ = 1.0, 0.7 or 0.5 (every reward 0, no
    /// informative group, so stage 1 trains nothing), against r_f 0.28 and 75 % informative groups at τ = 0.3.
    public var temperature: Float = 0.3

    /// Seconds on the VANS-Synth models: a smoke run of every row.
    public static let quick = AblationProfile(name: "quick", stepsPerPhase: 2, groupSize: 4, sampleLimit: 8, sdeSteps: 4, promptsPerStep: 1)
    /// The full study on VANS-Synth, sized for the 60-minute bar on 2 cores: G = 8 as the paper, 20 optimiser steps
    /// per phase, 10 SDE steps per stage-2 rollout. Measured with `--eval-limit 20`: 35 min 48 s in all (training the
    /// nine jobs 19.5 min — a stage-2 step ≈ 9–11 s, a stage-1 step ≈ 2.3 s — and evaluating 11 rows 16 min).
    /// 60 steps, the earlier value, would have taken over an hour of training alone.
    public static let full = AblationProfile(name: "full", stepsPerPhase: 20, groupSize: 8, sampleLimit: 256, sdeSteps: 10, promptsPerStep: 1)

    public static func named(_ name: String) throws -> AblationProfile {
        switch name {
        case "quick": return .quick
        case "full": return .full
        default: throw TrainingError.invalidOption(name: "profile", reason: "'\(name)' is not quick or full")
        }
    }
}

/// Mean and 95 % interval of one metric over seeds.
public struct AblationStatistic: Sendable, Codable, Equatable {
    public var mean: Double
    /// Half-width of the 95 % Student-t interval (0 with one seed).
    public var halfWidth: Double
    public var values: [Double]

    public init(_ values: [Double]) {
        self.values = values
        let count = Double(values.count)
        let average = values.reduce(0, +) / max(count, 1)
        mean = average
        guard values.count > 1 else { halfWidth = 0; return }
        let deviation = (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / (count - 1)).squareRoot()
        halfWidth = Self.tQuantile975(degreesOfFreedom: values.count - 1) * deviation / count.squareRoot()
    }

    /// The 0.975 quantile of Student's t (scipy.stats.t.ppf), tabulated to 30 degrees of freedom, then the normal's.
    static func tQuantile975(degreesOfFreedom: Int) -> Double {
        let table: [Double] = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
                               2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
                               2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272]
        return degreesOfFreedom >= 1 && degreesOfFreedom <= table.count ? table[degreesOfFreedom - 1] : 1.959964
    }
}

/// The study's result: each row's models per seed and, when evaluated, its metrics.
public struct AblationReport: Sendable, Codable {
    /// Row → one model pair per seed.
    public var models: [String: [AblationRowModels]]
    /// Row → category → metric → statistic over seeds (empty when no evaluation ran).
    public var table: [String: [String: [String: AblationStatistic]]]
}

public enum AblationStudy {
    /// Table 2's rows in the paper's order, SFT first (the starting models).
    public static let rows = ["sft", "grpo-vlm", "grpo-vdm", "grpo-cascade", "stage1", "stage1-no-rt1", "stage1-no-rv1",
                              "stage2-no-rc2", "stage2-no-rv2", "stage1+2", "all-in-one"]

    /// One training job: a row of `GRPORow.all` trained from the SFT models, or (`anchorFrom`) with the VLM that job
    /// trained as its frozen anchor.
    struct Job {
        var name: String
        var row: String
        var anchorFrom: String?
    }

    /// Training jobs of one seed, in dependency order; the table's other rows are assembled from their models.
    static let jobs: [Job] = [
        Job(name: "grpo-vlm", row: "grpo-vlm"), Job(name: "grpo-vdm", row: "grpo-vdm"),
        Job(name: "stage1", row: "stage1"), Job(name: "stage1-no-rt1", row: "stage1-no-rt1"), Job(name: "stage1-no-rv1", row: "stage1-no-rv1"),
        Job(name: "stage2", row: "stage2", anchorFrom: "stage1"), Job(name: "stage2-no-rc2", row: "stage2-no-rc2", anchorFrom: "stage1"),
        Job(name: "stage2-no-rv2", row: "stage2-no-rv2", anchorFrom: "stage1"), Job(name: "all-in-one", row: "all-in-one"),
    ]

    /// Trains every row for each of `seeds` seeds under `output/seed-K/JOB` (a job whose models exist is reused, so an
    /// interrupted study continues; `configure` adjusts every job's knobs after the profile's), evaluates each row with
    /// `evaluation` when given, and writes `rows.json`, `table2.json`, `table2.md` and `report.html` into `output`.
    /// `progress` has no default on purpose: a trailing closure then always binds to it, never to `configure` (Swift
    /// matches an unlabelled trailing closure to the first defaulted closure parameter otherwise, which once printed
    /// every job's parameters instead of the progress lines).
    public static func run(profile: AblationProfile, inputs: GRPORunInputs, seeds: Int, output: URL,
                           evaluation: (any AblationEvaluation)?, embedder: (any VideoEmbedding)? = nil,
                           configure: ((inout GRPOParameters) -> Void)? = nil,
                           progress: ((String) -> Void)?) throws -> AblationReport {
        guard seeds >= 1 else { throw TrainingError.invalidOption(name: "seeds", reason: "must be at least 1, got \(seeds)") }
        guard let sftVLM = inputs.vlm, let sftVDM = inputs.vdm else {
            throw TrainingError.invalidOption(name: "vlm", reason: "the ablation starts from both SFT models (--vlm and --vdm)")
        }
        var models: [String: [AblationRowModels]] = [:]
        var metrics: [String: [[String: [String: Double]]]] = [:]
        for seed in 0..<seeds {
            var trained: [String: (vlm: URL, vdm: URL)] = [:]
            for job in jobs {
                let directory = output.appendingPathComponent("seed-\(seed)/\(job.name)")
                var parameters = GRPOParameters(row: try GRPORow.named(job.row))
                parameters.seed = UInt64(seed)
                parameters.setStepsPerPhase(profile.stepsPerPhase)
                parameters.groupSize = profile.groupSize
                parameters.sdeSteps = profile.sdeSteps
                parameters.promptsPerStep = profile.promptsPerStep
                parameters.temperature = profile.temperature
                configure?(&parameters)
                var jobInputs = inputs
                jobInputs.limit = profile.sampleLimit
                if let anchor = job.anchorFrom { jobInputs.vlm = trained[anchor]?.vlm }
                let trainsVLM = parameters.row.phases.contains { $0.trains != .vdm }
                let trainsVDM = parameters.row.phases.contains { $0.trains != .vlm }
                let finishedVLM = directory.appendingPathComponent("models/vlm"), finishedVDM = directory.appendingPathComponent("models/vdm")
                let manager = FileManager.default
                if (!trainsVLM || manager.fileExists(atPath: finishedVLM.path)) && (!trainsVDM || manager.fileExists(atPath: finishedVDM.path)) {
                    progress?("seed \(seed): \(job.name) already trained")
                } else {
                    progress?("seed \(seed): training \(job.name)")
                    let resume = manager.fileExists(atPath: directory.appendingPathComponent("config.json").path)
                    _ = try GRPORun.run(parameters, inputs: jobInputs, output: directory, resume: resume, embedder: embedder)
                }
                trained[job.name] = (trainsVLM ? finishedVLM : jobInputs.vlm ?? sftVLM, trainsVDM ? finishedVDM : sftVDM)
            }
            func pair(_ row: String, _ vlm: URL, _ vdm: URL) -> AblationRowModels { AblationRowModels(row: row, vlm: vlm, vdm: vdm) }
            let seedRows: [AblationRowModels] = [
                pair("sft", sftVLM, sftVDM),
                pair("grpo-vlm", trained["grpo-vlm"]!.vlm, sftVDM),
                pair("grpo-vdm", sftVLM, trained["grpo-vdm"]!.vdm),
                pair("grpo-cascade", trained["grpo-vlm"]!.vlm, trained["grpo-vdm"]!.vdm),
                pair("stage1", trained["stage1"]!.vlm, sftVDM),
                pair("stage1-no-rt1", trained["stage1-no-rt1"]!.vlm, sftVDM),
                pair("stage1-no-rv1", trained["stage1-no-rv1"]!.vlm, sftVDM),
                pair("stage2-no-rc2", trained["stage1"]!.vlm, trained["stage2-no-rc2"]!.vdm),
                pair("stage2-no-rv2", trained["stage1"]!.vlm, trained["stage2-no-rv2"]!.vdm),
                pair("stage1+2", trained["stage1"]!.vlm, trained["stage2"]!.vdm),
                pair("all-in-one", trained["all-in-one"]!.vlm, trained["all-in-one"]!.vdm),
            ]
            for rowModels in seedRows {
                models[rowModels.row, default: []].append(rowModels)
                if let evaluation {
                    progress?("seed \(seed): evaluating \(rowModels.row)")
                    metrics[rowModels.row, default: []].append(try evaluation.evaluate(rowModels, seed: UInt64(seed)))
                }
            }
        }
        var table: [String: [String: [String: AblationStatistic]]] = [:]
        for (row, perSeed) in metrics {
            for category in Set(perSeed.flatMap(\.keys)) {
                for metric in Set(perSeed.compactMap { $0[category] }.flatMap(\.keys)) {
                    table[row, default: [:]][category, default: [:]][metric] = AblationStatistic(perSeed.compactMap { $0[category]?[metric] })
                }
            }
        }
        let report = AblationReport(models: models, table: table)
        try write(report, seeds: seeds, profile: profile, records: evaluation?.recordsDirectory, to: output)
        return report
    }

    /// `rows.json` (models per row and seed), `table2.json`, `table2.md` (mean ± 95 % half-width per metric) and
    /// `report.html` (the table, every job's Figure 9 curves and, with `records`, Figure 7's side-by-side answers).
    static func write(_ report: AblationReport, seeds: Int, profile: AblationProfile, records: URL?, to output: URL) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(report.models), to: output.appendingPathComponent("rows.json"))
        try AtomicFile.write(try encoder.encode(report.table), to: output.appendingPathComponent("table2.json"))
        let page = AblationReportPage(report: report, seeds: seeds, profile: profile, output: output, records: records)
        try AtomicFile.write(Data(page.markdown().utf8), to: output.appendingPathComponent("table2.md"))
        try AtomicFile.write(Data(page.html().utf8), to: output.appendingPathComponent("report.html"))
    }
}
