// The Table-2 experiment's plumbing on tiny models: every row trained once per seed with stage-1 results shared, an
// interrupted study continuing without retraining, and the 95 % intervals over seeds.
import Foundation
import Testing
@testable import VANS

/// Metrics that identify the models and seed they were computed from.
final class RecordingEvaluation: AblationEvaluation {
    var calls: [AblationRowModels] = []
    func evaluate(_ models: AblationRowModels, seed: UInt64) throws -> [String: [String: Double]] {
        calls.append(models)
        return ["procedural": ["ROUGE-L": Double(seed) + 1, "CLIP-V": Double(models.vdm.path.count)], "predictive": ["ROUGE-L": 2 * Double(seed)]]
    }
}

@Suite(.serialized) struct AblationStudyTests {
    // Each row's models are assembled as the paper's Table 2 needs (stage-2 rows on stage 1's VLM, the cascade from the
    // two isolated rows, SFT as given), every row is evaluated per seed, and a second run reuses the trained models.
    @Test func trainsEveryRowOnceAndSharesStageOne() throws {
        let directory = try GRPOTestModels.temporaryDirectory("ablation")
        defer { try? FileManager.default.removeItem(at: directory) }
        let vlm = try GRPOTestModels.vlmDirectory(in: directory), vdm = try GRPOTestModels.vdmDirectory(in: directory)
        _ = try GRPOTestModels.samples(in: directory)
        let data = directory.appendingPathComponent("data")
        let profile = AblationProfile(name: "test", stepsPerPhase: 1, groupSize: 2, sampleLimit: 2, sdeSteps: 2, promptsPerStep: 1)
        let inputs = GRPORunInputs(data: data, vlm: vlm, vdm: vdm)
        let evaluation = RecordingEvaluation()
        let output = directory.appendingPathComponent("study")
        let configure: (inout GRPOParameters) -> Void = { $0.anchorThreshold = 0; $0.formatGate = false; $0.trainingGuidance = 1 }
        var messages: [String] = []
        let report = try AblationStudy.run(profile: profile, inputs: inputs, seeds: 1, output: output, evaluation: evaluation,
                                           embedder: ColourEmbedder(), configure: configure) { messages.append($0) }
        let rows = report.models.mapValues { $0[0] }
        #expect(Set(rows.keys) == Set(AblationStudy.rows))
        #expect(rows["sft"] == AblationRowModels(row: "sft", vlm: vlm, vdm: vdm))
        let stageOne = output.appendingPathComponent("seed-0/stage1/models/vlm")
        for row in ["stage1", "stage2-no-rc2", "stage2-no-rv2", "stage1+2"] { #expect(rows[row]?.vlm.path == stageOne.path, "\(row)") }
        #expect(rows["stage1+2"]?.vdm.path == output.appendingPathComponent("seed-0/stage2/models/vdm").path)
        #expect(rows["grpo-cascade"]?.vlm == rows["grpo-vlm"]?.vlm && rows["grpo-cascade"]?.vdm == rows["grpo-vdm"]?.vdm)
        #expect(rows["stage1"]?.vdm == vdm && rows["grpo-vdm"]?.vlm == vlm)
        #expect(evaluation.calls.count == AblationStudy.rows.count)
        #expect(report.table["stage1+2"]?["procedural"]?["ROUGE-L"]?.mean == 1)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("table2.md").path))
        let page = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("Training curves") && page.contains("seed-0/stage1/figure9.svg"))
        #expect(messages.filter { $0.contains("training") }.count == AblationStudy.jobs.count)
        // Run again: nothing is retrained.
        messages = []
        _ = try AblationStudy.run(profile: profile, inputs: inputs, seeds: 1, output: output, evaluation: nil,
                                  embedder: ColourEmbedder(), configure: configure) { messages.append($0) }
        #expect(!messages.contains { $0.contains("training") })
    }

    // Mean and Student-t 95 % half-width (scipy: t.ppf(0.975, 2) · s/√3 for 1, 2, 3); one seed gives no interval.
    @Test func confidenceIntervalsFollowStudentT() {
        let statistic = AblationStatistic([1, 2, 3])
        #expect(statistic.mean == 2 && abs(statistic.halfWidth - 4.302653 / 3.0.squareRoot()) < 1e-9)
        #expect(AblationStatistic([0.5]).halfWidth == 0)
    }

    // The Table-2 evaluation of one row is Table 1's VANS row on those models: the same numbers under Table 2's names.
    @Test func rowEvaluationIsTheVANSRowOfTableOne() throws {
        let directory = try GRPOTestModels.temporaryDirectory("ablation-eval")
        defer { try? FileManager.default.removeItem(at: directory) }
        let vlm = try GRPOTestModels.vlmDirectory(in: directory), vdm = try GRPOTestModels.vdmDirectory(in: directory)
        _ = try GRPOTestModels.samples(in: directory)
        let data = directory.appendingPathComponent("data")
        var settings = EvaluationSettings()
        settings.limit = 2
        settings.bootstrapResamples = 10
        settings.seed = 3
        let metrics = EvaluationMetricNetworks(embedding: ColourEmbedder(), videoFeatures: nil, description: "colour")
        let evaluation = AblationTableEvaluation(data: data, output: directory.appendingPathComponent("eval"), settings: settings, metrics: metrics)
        let values = try evaluation.evaluate(AblationRowModels(row: "sft", vlm: vlm, vdm: vdm), seed: 3)
        settings.maximumTokens = try ReasonerProfile.load(directory: vlm).maximumNewTokens
        let table = try TableEvaluation(settings: settings, rows: [.vans], reasoners: [.sft: try QwenVLReasoner(directory: vlm)],
                                        renderers: [.sft: try WanAnswerRenderer(directory: vdm)], metrics: metrics)
            .run(data: data, output: directory.appendingPathComponent("table1"))
        let categories = try #require(table.rows.first).categories
        #expect(!categories.isEmpty && Set(values.keys) == Set(categories.keys))
        for (category, scores) in categories {
            #expect(values[category]?["ROUGE-L"] == scores.rougeL?.value && scores.rougeL != nil, "\(category)")
            #expect(values[category]?["CLIP-V"] == scores.clipV?.value && scores.clipV != nil, "\(category)")
            #expect(values[category]?["BLEU@4"] == scores.bleu4?.value, "\(category)")
            #expect(values[category]?["FVD"] == nil, "no I3D, no FVD")
        }
        // Asked again, the row is read back from its metrics.json (its records are not rewritten); a different seed
        // is evaluated afresh next to it.
        let records = directory.appendingPathComponent("eval/sft/seed-3/samples.jsonl")
        let written = try FileManager.default.attributesOfItem(atPath: records.path)[.modificationDate] as? Date
        try FileManager.default.removeItem(at: records)
        #expect(try evaluation.evaluate(AblationRowModels(row: "sft", vlm: vlm, vdm: vdm), seed: 3) == values)
        #expect(!FileManager.default.fileExists(atPath: records.path) && written != nil)
        let stored = try JSONDecoder().decode(AblationEvaluationResult.self,
                                              from: Data(contentsOf: directory.appendingPathComponent("eval/sft/seed-3/metrics.json")))
        #expect(stored.metrics == values && stored.key.settings.seed == 3 && stored.key.vlm == vlm.standardizedFileURL.path && stored.key.metricNetworks == "colour")
        _ = try evaluation.evaluate(AblationRowModels(row: "sft", vlm: vlm, vdm: vdm), seed: 4)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("eval/sft/seed-4/samples.jsonl").path))
    }
}
