// What `vans experiment ablation` shows a reader: Table 2 (table2.md, and the same table in report.html), each
// trained job's Figure 9 curves, and the paper's Figure 7 — for a few fixed evaluation inputs, the answer video of
// every row side by side (SFT beside Joint-GRPO and every ablation), with its caption and motion statistic.
import Foundation

/// Renders a finished ablation study.
struct AblationReportPage {
    let report: AblationReport
    let seeds: Int
    let profile: AblationProfile
    /// The study's folder; every link in report.html is relative to it when it can be.
    let output: URL
    /// `ROW/seed-K/samples.jsonl` and videos of the evaluation (nil: no side-by-side answers).
    let records: URL?
    /// Inputs per category shown side by side.
    var samplesPerCategory = 3

    static let preferredColumns = ["BLEU@1", "BLEU@2", "BLEU@3", "BLEU@4", "ROUGE-L", "FVD", "CLIP-V", "CLIP-T", "motion"]

    var title: String {
        "Table 2 on VANS-Synth (profile \(profile.name), \(seeds) seed\(seeds == 1 ? "" : "s"); mean ± 95 % CI half-width)"
    }

    /// Category (procedural first) → the metric columns present, in the paper's order then any others.
    func categories() -> [(name: String, columns: [String])] {
        Set(report.table.values.flatMap(\.keys)).sorted(by: >).map { category in
            let present = Set(report.table.values.compactMap { $0[category] }.flatMap(\.keys))
            return (category, Self.preferredColumns.filter(present.contains) + present.subtracting(Self.preferredColumns).sorted())
        }
    }

    /// The cells of one row of one category ("mean ± half-width", "—" when absent); nil when the row has none.
    func cells(row: String, category: String, columns: [String]) -> [String]? {
        guard let metrics = report.table[row]?[category] else { return nil }
        return columns.map { column in metrics[column].map { String(format: "%.4f ± %.4f", $0.mean, $0.halfWidth) } ?? "—" }
    }

    func markdown() -> String {
        var text = "# \(title)\n\n"
        guard !report.table.isEmpty else { return text + "No evaluation ran: the models of every row are listed in rows.json.\n" }
        for (category, columns) in categories() {
            text += "## \(category)\n\n| Model | " + columns.joined(separator: " | ") + " |\n|---|" + columns.map { _ in "---|" }.joined() + "\n"
            for row in AblationStudy.rows {
                if let cells = cells(row: row, category: category, columns: columns) { text += "| \(row) | " + cells.joined(separator: " | ") + " |\n" }
            }
            text += "\n"
        }
        return text
    }

    /// A link to `url` relative to the study's folder when it lies inside it.
    func link(_ url: URL) -> String {
        let base = output.standardizedFileURL.path + "/", path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : url.absoluteString
    }

    /// Each row's evaluation records of seed 0, by sample id.
    func seedZeroRecords() -> [String: [String: EvaluationRecord]] {
        guard let records else { return [:] }
        var result: [String: [String: EvaluationRecord]] = [:]
        for row in AblationStudy.rows {
            let file = records.appendingPathComponent("\(row)/seed-0/samples.jsonl")
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            for line in data.split(separator: 0x0A) {
                guard let record = try? JSONDecoder().decode(EvaluationRecord.self, from: Data(line)) else { continue }
                result[row, default: [:]][record.sample] = record
            }
        }
        return result
    }

    func html() -> String {
        let escaped = EvaluationReport.escaped
        var body = "<h1>\(escaped(title))</h1>"
        if report.table.isEmpty { body += "<p>No evaluation ran: the models of every row are listed in rows.json.</p>" }
        for (category, columns) in categories() {
            body += "<h2>\(escaped(category.capitalized))</h2><table><tr><th>Model</th>" + columns.map { "<th>\(escaped($0))</th>" }.joined() + "</tr>"
            for row in AblationStudy.rows {
                guard let cells = cells(row: row, category: category, columns: columns) else { continue }
                body += "<tr><td>\(escaped(row))</td>" + cells.map { "<td>\(escaped($0))</td>" }.joined() + "</tr>"
            }
            body += "</table>"
        }
        body += answersSection()
        body += "<h2>Training curves (Figure 9 panels)</h2>"
        for seed in 0..<seeds {
            for job in AblationStudy.jobs {
                let figure = output.appendingPathComponent("seed-\(seed)/\(job.name)/figure9.svg")
                guard FileManager.default.fileExists(atPath: figure.path) else { continue }
                body += "<figure class=\"curves\"><figcaption>seed \(seed) · \(escaped(job.name))</figcaption>"
                    + "<img src=\"\(escaped(link(figure)))\" alt=\"\(escaped(job.name)) curves\"></figure>"
            }
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>VANS ablation (Table 2)</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
        table { border-collapse: collapse; font-size: 0.85em; margin-bottom: 1em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        .grid { display: flex; flex-wrap: wrap; gap: 0.75em; margin-bottom: 1em; }
        figure { margin: 0; width: 160px; }
        figure.curves { width: auto; max-width: 100%; }
        figure.curves img { max-width: 100%; }
        video { width: 160px; height: 160px; background: #000; image-rendering: pixelated; }
        figcaption { font-size: 0.75em; }
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    /// Figure 7: the first `samplesPerCategory` evaluation inputs of each category, every row's answer beside the truth.
    func answersSection() -> String {
        let escaped = EvaluationReport.escaped
        let byRow = seedZeroRecords()
        guard let records, let first = AblationStudy.rows.lazy.compactMap({ byRow[$0] }).first else { return "" }
        let video = { (row: String, path: String) in
            EvaluationReport.videoTag(link(records.appendingPathComponent("\(row)/seed-0/\(path)")))
        }
        var section = "<h2>Answers side by side (seed 0; Figure 7)</h2>"
        for kind in ["procedural", "predictive"] {
            let samples = first.values.filter { $0.kind == kind }.map(\.sample).sorted().prefix(samplesPerCategory)
            for sample in samples {
                guard let found = AblationStudy.rows.lazy.compactMap({ row in byRow[row]?[sample].map { (row, $0) } }).first else { continue }
                let (anyRow, reference) = found
                section += "<h3>\(escaped(sample)) · \(escaped(kind))</h3><p><b>Q:</b> \(escaped(reference.question))</p><div class=\"grid\">"
                section += "<figure>\(video(anyRow, reference.inputVideo))<figcaption><b>Input</b></figcaption></figure>"
                section += "<figure>\(video(anyRow, reference.referenceVideo))<figcaption><b>Ground truth</b><br>\(escaped(reference.referenceCaption))</figcaption></figure>"
                for row in AblationStudy.rows {
                    guard let record = byRow[row]?[sample] else { continue }
                    let motion = record.motion.map { String(format: "motion %.3f", $0) } ?? ""
                    section += "<figure>\(video(row, record.video))<figcaption><b>\(escaped(row))</b><br>\(escaped(record.caption ?? ""))"
                        + "<br>\(escaped(motion))</figcaption></figure>"
                }
                section += "</div>"
            }
        }
        return section
    }
}
