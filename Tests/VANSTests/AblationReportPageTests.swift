import Foundation
import TestSupport
import Testing
@testable import VANS

@Suite("Ablation report page") struct AblationReportPageTests {
    func record(sample: String, kind: String, caption: String, motion: Double) -> EvaluationRecord {
        EvaluationRecord(row: "vans", sample: sample, kind: kind, question: "What happens next?", referenceCaption: "the truth",
                         generatedText: nil, reasoning: nil, caption: caption, followsFormat: true, video: "videos/vans/\(sample).mp4",
                         inputVideo: "videos/inputs/\(sample).mp4", referenceVideo: "videos/references/\(sample).mp4",
                         bleu: nil, rougeL: nil, clipV: nil, clipT: nil, motion: motion, seconds: 0)
    }

    // The page holds Table 2 with the motion column, each row's answer to the same inputs side by side (links relative
    // to the study folder, captions, motion), and the curves of every job that wrote them.
    @Test func showsTableAnswersAndCurves() throws {
        let output = ScratchDirectory.root.appendingPathComponent("ablation-page-\(UUID().uuidString)")
        let evaluation = output.appendingPathComponent("evaluation")
        let encoder = JSONEncoder()
        for (row, caption, motion) in [("sft", "a ball rolls", 0.125), ("stage1+2", "the ball hits the box", 0.0)] {
            let folder = evaluation.appendingPathComponent("\(row)/seed-0")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let lines = try ["eval-p00001-q0", "eval-f00002-q0"].enumerated().map { index, sample in
                String(decoding: try encoder.encode(record(sample: sample, kind: index == 0 ? "procedural" : "predictive",
                                                           caption: caption, motion: motion)), as: UTF8.self)
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("samples.jsonl"))
        }
        let curves = output.appendingPathComponent("seed-0/stage1")
        try FileManager.default.createDirectory(at: curves, withIntermediateDirectories: true)
        try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: curves.appendingPathComponent("figure9.svg"))
        let statistic = AblationStatistic([0.5])
        let report = AblationReport(models: [:], table: ["sft": ["procedural": ["ROUGE-L": statistic, "motion": AblationStatistic([0.125])]],
                                                         "stage1+2": ["procedural": ["ROUGE-L": statistic, "motion": AblationStatistic([0])]]])
        let page = AblationReportPage(report: report, seeds: 1, profile: .quick, output: output, records: evaluation)
        let html = page.html()
        #expect(html.contains("src=\"evaluation/sft/seed-0/videos/vans/eval-p00001-q0.mp4\""))
        #expect(html.contains("src=\"evaluation/stage1+2/seed-0/videos/vans/eval-f00002-q0.mp4\""))
        #expect(html.contains("the ball hits the box") && html.contains("motion 0.125") && html.contains("motion 0.000"))
        #expect(html.contains("<th>motion</th>") && html.contains("src=\"seed-0/stage1/figure9.svg\""))
        #expect(html.contains("Ground truth") && html.contains("src=\"evaluation/sft/seed-0/videos/inputs/eval-p00001-q0.mp4\""))
        let markdown = page.markdown()
        #expect(markdown.contains("| Model | ROUGE-L | motion |") && markdown.contains("| stage1+2 | 0.5000 ± 0.0000 | 0.0000 ± 0.0000 |"))
        // Without evaluation records or a table the page still renders, saying so.
        let bare = AblationReportPage(report: AblationReport(models: [:], table: [:]), seeds: 1, profile: .quick, output: output, records: nil)
        #expect(bare.html().contains("No evaluation ran") && !bare.html().contains("Answers side by side"))
    }
}
