// The outputs of `vans eval`: table.md (the paper's Table 1 layout, one block per category, value [95 % CI]),
// table.json (everything, machine-readable) and report.html (a grid of input / ground-truth answer / generated
// answer videos per sample, with the question and captions; relative paths, so the folder can be moved).
import Foundation
import Support

/// Writers of the evaluation outputs.
public enum EvaluationReport {
    /// A table column: title, the field of the scores (or comparison) it shows, and decimals.
    struct Column<Scores>: Sendable {
        var title: String
        var value: @Sendable (Scores) -> ConfidenceInterval?
        var digits: Int
    }

    static let metricColumns: [Column<CategoryScores>] = [
        Column(title: "BLEU@1", value: { $0.bleu1 }, digits: 4), Column(title: "BLEU@2", value: { $0.bleu2 }, digits: 4),
        Column(title: "BLEU@3", value: { $0.bleu3 }, digits: 4), Column(title: "BLEU@4", value: { $0.bleu4 }, digits: 4),
        Column(title: "ROUGE-L", value: { $0.rougeL }, digits: 4), Column(title: "FVD ↓", value: { $0.fvd }, digits: 2),
        Column(title: "CLIP-V", value: { $0.clipV }, digits: 4), Column(title: "CLIP-T", value: { $0.clipT }, digits: 4),
    ]

    /// Markdown: per category a table of rows × metrics, each cell "value [lower, upper]".
    public static func markdown(_ table: EvaluationTable) -> String {
        var lines = ["# Table 1 on VANS-Synth", "",
                     "Metric networks: \(table.metricNetworks). Seed \(table.settings.seed); 95 % percentile-bootstrap intervals over samples "
                     + "(\(table.settings.bootstrapResamples) resamples). Captions scored against "
                     + (table.settings.multipleReferences ? "every accepted wording (answer_alternatives, COCO multi-reference)" : "answer_caption")
                     + "; CLIP-T against answer_caption. FVD depends on the sample count: compare only at equal N.", ""]
        let categories = ["procedural", "predictive"].filter { name in table.rows.contains { $0.categories[name] != nil } }
        for category in categories {
            let count = table.rows.compactMap { $0.categories[category]?.samples }.max() ?? 0
            lines.append("## \(category.capitalized) (\(count) samples)")
            lines.append("")
            lines.append("| Method | " + metricColumns.map(\.title).joined(separator: " | ") + " |")
            lines.append("|---|" + String(repeating: "---|", count: metricColumns.count))
            for row in table.rows {
                guard let scores = row.categories[category] else { continue }
                let cells = metricColumns.map { column in cell(column.value(scores), digits: column.digits) }
                lines.append("| \(row.row.name) | " + cells.joined(separator: " | ") + " |")
            }
            lines.append("")
        }
        lines += comparisonMarkdown(table)
        return lines.joined(separator: "\n")
    }

    static let comparisonColumns: [Column<PairedComparison>] = [
        Column(title: "ROUGE-L", value: { $0.rougeL }, digits: 4), Column(title: "FVD ↓", value: { $0.fvd }, digits: 2),
        Column(title: "CLIP-V", value: { $0.clipV }, digits: 4), Column(title: "CLIP-T", value: { $0.clipT }, digits: 4),
    ]

    static let comparisonExplanation = "Each cell is VANS minus the row, both on the same samples, with a paired bootstrap "
        + "interval (one set of resampled indices for both rows). Positive is better for ROUGE-L, CLIP-V and CLIP-T, negative "
        + "for FVD; an interval that excludes 0 is a difference the samples support."

    /// The name of a row id in the table.
    static func rowName(_ id: String, in table: EvaluationTable) -> String {
        table.rows.first { $0.row.id == id }?.row.name ?? id
    }

    /// Markdown: per category, VANS − each other row (nothing without comparisons).
    static func comparisonMarkdown(_ table: EvaluationTable) -> [String] {
        guard !table.comparisons.isEmpty else { return [] }
        var lines = ["## Paired differences: VANS − row", "", comparisonExplanation, ""]
        for category in ["procedural", "predictive"] {
            let comparisons = table.comparisons.filter { $0.category == category }
            guard let first = comparisons.first else { continue }
            lines.append("### \(category.capitalized) (\(first.samples) samples)")
            lines.append("")
            lines.append("| \(rowName(first.row, in: table)) − | " + comparisonColumns.map(\.title).joined(separator: " | ") + " |")
            lines.append("|---|" + String(repeating: "---|", count: comparisonColumns.count))
            for comparison in comparisons {
                let cells = comparisonColumns.map { cell($0.value(comparison), digits: $0.digits) }
                lines.append("| \(rowName(comparison.baseline, in: table)) | " + cells.joined(separator: " | ") + " |")
            }
            lines.append("")
        }
        return lines
    }

    static func cell(_ interval: ConfidenceInterval?, digits: Int) -> String {
        guard let interval else { return "—" }
        let format = "%.\(digits)f"
        return String(format: format, interval.value) + " [" + String(format: format, interval.lower) + ", "
            + String(format: format, interval.upper) + "]"
    }

    /// table.json: settings, metric networks and every row's category scores.
    public static func json(_ table: EvaluationTable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(table)
    }

    /// A looping, muted answer-video player for `source` (a relative path or URL), as every report page shows videos.
    static func videoTag(_ source: String) -> String {
        "<video controls muted loop playsinline preload=\"metadata\" src=\"\(escaped(source))\"></video>"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// report.html: the table, then one grid row per sample (at most `maximumSamples`): input, ground-truth answer
    /// and each row's generated answer, with the question, the ground-truth caption and each generated caption.
    public static func html(_ table: EvaluationTable, maximumSamples: Int = 200) -> String {
        var samples: [String] = []
        var bySample: [String: [EvaluationRecord]] = [:]
        for record in table.records {
            if bySample[record.sample] == nil { samples.append(record.sample) }
            bySample[record.sample, default: []].append(record)
        }
        var body = ""
        for sample in samples.prefix(maximumSamples) {
            guard let records = bySample[sample], let first = records.first else { continue }
            body += "<section class=\"sample\"><h3>\(escaped(sample)) <span class=\"kind\">\(escaped(first.kind))</span></h3>"
            body += "<p class=\"question\"><b>Q:</b> \(escaped(first.question))</p><div class=\"grid\">"
            body += "<figure>\(videoTag(first.inputVideo))<figcaption><b>Input</b></figcaption></figure>"
            body += "<figure>\(videoTag(first.referenceVideo))<figcaption><b>Ground truth</b><br>\(escaped(first.referenceCaption))</figcaption></figure>"
            for record in records {
                let name = table.rows.first { $0.row.id == record.row }?.row.name ?? record.row
                var scores: [String] = []
                if let rouge = record.rougeL { scores.append(String(format: "R-L %.2f", rouge)) }
                if let clipV = record.clipV { scores.append(String(format: "CLIP-V %.2f", clipV)) }
                if let clipT = record.clipT { scores.append(String(format: "CLIP-T %.2f", clipT)) }
                let caption = record.caption.map { escaped($0) } ?? "<i>(no caption: continues the input)</i>"
                body += "<figure>\(videoTag(record.video))<figcaption><b>\(escaped(name))</b><br>\(caption)"
                    + "<br><span class=\"scores\">\(scores.joined(separator: " · "))</span></figcaption></figure>"
            }
            body += "</div></section>\n"
        }
        let more = samples.count > maximumSamples ? "<p>\(samples.count - maximumSamples) more samples in samples.jsonl.</p>" : ""
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>VANS evaluation</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
        table { border-collapse: collapse; font-size: 0.85em; margin-bottom: 1em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        .sample { border-top: 1px solid #ddd; padding-top: 0.5em; }
        .grid { display: flex; flex-wrap: wrap; gap: 0.75em; }
        figure { margin: 0; width: 192px; }
        video { width: 192px; height: 192px; background: #000; image-rendering: pixelated; }
        figcaption { font-size: 0.8em; }
        .kind { font-size: 0.7em; color: #666; font-weight: normal; }
        .scores { color: #666; }
        </style></head><body>
        <h1>VANS evaluation (Table 1 on VANS-Synth)</h1>
        \(markdownTablesAsHTML(table))
        \(body)\(more)
        </body></html>

        """
    }

    /// The per-category tables as HTML.
    static func markdownTablesAsHTML(_ table: EvaluationTable) -> String {
        var html = "<p>Metric networks: \(escaped(table.metricNetworks)). Seed \(table.settings.seed); 95 % bootstrap intervals "
            + "(\(table.settings.bootstrapResamples) resamples) in brackets.</p>"
        for category in ["procedural", "predictive"] where table.rows.contains(where: { $0.categories[category] != nil }) {
            html += "<h2>\(category.capitalized)</h2><table><tr><th>Method</th>"
                + metricColumns.map { "<th>\(escaped($0.title))</th>" }.joined() + "</tr>"
            for row in table.rows {
                guard let scores = row.categories[category] else { continue }
                html += "<tr><td>\(escaped(row.row.name))</td>"
                    + metricColumns.map { "<td>\(escaped(cell($0.value(scores), digits: $0.digits)))</td>" }.joined() + "</tr>"
            }
            html += "</table>"
        }
        guard !table.comparisons.isEmpty else { return html }
        html += "<h2>Paired differences: VANS − row</h2><p>\(escaped(comparisonExplanation))</p>"
        for category in ["procedural", "predictive"] {
            let comparisons = table.comparisons.filter { $0.category == category }
            guard let first = comparisons.first else { continue }
            html += "<h3>\(category.capitalized)</h3><table><tr><th>\(escaped(rowName(first.row, in: table))) −</th>"
                + comparisonColumns.map { "<th>\(escaped($0.title))</th>" }.joined() + "</tr>"
            for comparison in comparisons {
                html += "<tr><td>\(escaped(rowName(comparison.baseline, in: table)))</td>"
                    + comparisonColumns.map { "<td>\(escaped(cell($0.value(comparison), digits: $0.digits)))</td>" }.joined() + "</tr>"
            }
            html += "</table>"
        }
        return html
    }

    /// Writes table.md, table.json and report.html into `output`.
    public static func write(_ table: EvaluationTable, to output: URL) throws {
        try AtomicFile.write(Data(markdown(table).utf8), to: output.appendingPathComponent("table.md"))
        try AtomicFile.write(try json(table), to: output.appendingPathComponent("table.json"))
        try AtomicFile.write(Data(html(table).utf8), to: output.appendingPathComponent("report.html"))
    }
}
