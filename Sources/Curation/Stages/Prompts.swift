// The curation prompts: text files (Resources/prompts/*.txt) a user can read, and replace by putting a
// file of the same name in `--prompts DIR`. Placeholders are `{name}`; a missing one is an error at load.
import Foundation

/// The prompt templates of the VLM-driven stages.
public struct PromptLibrary: Sendable {
    /// Each prompt's name and the placeholders it must contain.
    public static let required: [String: [String]] = [
        "clip_score_procedural": ["caption"],
        "clip_score_predictive": ["caption"],
        "segment_caption": [],
        "qa_procedural": ["context", "target"],
        "qa_predictive": ["context", "target"],
        "self_check": ["context", "question", "reasoning", "answer"],
    ]

    public let templates: [String: String]

    /// The built-in prompts, each replaced by `<name>.txt` in `overrides` when present.
    public init(overrides: URL? = nil) throws {
        var templates: [String: String] = [:]
        for (name, placeholders) in Self.required {
            var url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "prompts")
            if let overrides, FileManager.default.fileExists(atPath: overrides.appendingPathComponent("\(name).txt").path) {
                url = overrides.appendingPathComponent("\(name).txt")
            }
            guard let url, let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw CurationError.badPrompt(name: name, reason: "prompt file \(name).txt not found or not UTF-8")
            }
            for placeholder in placeholders where !text.contains("{\(placeholder)}") {
                throw CurationError.badPrompt(name: name, reason: "\(url.path) lacks the placeholder {\(placeholder)}")
            }
            templates[name] = text
        }
        self.templates = templates
    }

    /// The prompt `name` with its placeholders filled.
    public func render(_ name: String, _ values: [String: String]) -> String {
        var text = templates[name] ?? ""
        for (key, value) in values { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return text
    }
}
