// One self-contained HTML page per answered question: the input video, the question, the reasoning, the caption
// and the answer video side by side (and the ground truth when known). No scripts from elsewhere and no CDN —
// the page opens from disk in any browser; videos are referenced by relative paths next to it.
import Foundation
import Support

/// What the page shows for one question.
public struct AnswerPageEntry: Sendable, Equatable {
    public var question: String
    /// Path of the input video relative to the page.
    public var inputVideo: String
    /// One or more answers (several futures, or several systems).
    public var answers: [Answer]
    /// The ground truth, when the question comes from a dataset.
    public var groundTruth: Answer?

    /// One answer: who gave it, what it said and the video it rendered.
    public struct Answer: Sendable, Equatable {
        public var label: String
        public var reasoning: String
        public var caption: String
        /// Path of the answer video relative to the page.
        public var video: String
        /// Seconds per stage, shown under the video.
        public var seconds: [String: Double]

        public init(label: String, reasoning: String, caption: String, video: String, seconds: [String: Double] = [:]) {
            self.label = label
            self.reasoning = reasoning
            self.caption = caption
            self.video = video
            self.seconds = seconds
        }
    }

    public init(question: String, inputVideo: String, answers: [Answer], groundTruth: Answer? = nil) {
        self.question = question
        self.inputVideo = inputVideo
        self.answers = answers
        self.groundTruth = groundTruth
    }
}

/// Renders answer pages.
public enum AnswerPage {
    /// The HTML of a page with `entries`, titled `title`, with `notes` (e.g. which models) under the title.
    public static func html(title: String, notes: [String] = [], entries: [AnswerPageEntry]) -> String {
        var body = "<h1>\(escape(title))</h1>\n"
        for note in notes { body += "<p class=\"note\">\(escape(note))</p>\n" }
        for (index, entry) in entries.enumerated() {
            body += "<section>\n<h2>Question \(index + 1): \(escape(entry.question))</h2>\n<div class=\"row\">\n"
            body += card(heading: "Input video", video: entry.inputVideo, lines: [])
            for answer in entry.answers {
                body += card(heading: answer.label, video: answer.video, lines: [
                    ("Reasoning", answer.reasoning), ("Caption", answer.caption),
                    ("Time", answer.seconds.isEmpty ? "" : answer.seconds.sorted { $0.key < $1.key }
                        .map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }.joined(separator: " · ")),
                ])
            }
            if let truth = entry.groundTruth {
                body += card(heading: truth.label, video: truth.video, lines: [("Reasoning", truth.reasoning), ("Caption", truth.caption)])
            }
            body += "</div>\n</section>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin: 18px 0 8px; }
        .note { color: #555; margin: 2px 0; font-size: 14px; }
        section { background: white; border: 1px solid #ddd; border-radius: 8px; padding: 8px 16px 16px; margin: 16px 0; }
        .row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        .card { width: 280px; }
        .card h3 { font-size: 14px; margin: 6px 0; }
        video { width: 256px; height: 256px; background: #000; image-rendering: pixelated; border-radius: 4px; }
        dl { margin: 6px 0; font-size: 13px; } dt { font-weight: 600; color: #444; } dd { margin: 0 0 6px 0; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// Writes the page to `url` atomically.
    public static func write(title: String, notes: [String] = [], entries: [AnswerPageEntry], to url: URL) throws {
        try AtomicFile.write(Data(html(title: title, notes: notes, entries: entries).utf8), to: url)
    }

    static func card(heading: String, video: String, lines: [(String, String)]) -> String {
        var html = "<div class=\"card\"><h3>\(escape(heading))</h3>\n"
        html += "<video src=\"\(escape(video))\" controls loop muted autoplay playsinline preload=\"auto\"></video>\n"
        let shown = lines.filter { !$0.1.isEmpty }
        if !shown.isEmpty {
            html += "<dl>" + shown.map { "<dt>\(escape($0.0))</dt><dd>\(escape($0.1))</dd>" }.joined() + "</dl>\n"
        }
        return html + "</div>\n"
    }

    /// HTML-escapes text (also for attribute values).
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
