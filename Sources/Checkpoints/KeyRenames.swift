// One readable table of checkpoint-key renames per model (after llama.cpp's tensor-name maps and
// transformers' `_checkpoint_conversion_mapping`): ordered prefix rules, first match wins.

/// Ordered prefix renames for checkpoint keys.
///
/// ```swift
/// let qwen = KeyRenames([
///     .init(from: "visual.", to: "model.visual."),
///     .init(from: "model.language_model.", to: "model.language_model."),  // already normalised
///     .init(from: "model.", to: "model.language_model."),
/// ])
/// ```
public struct KeyRenames: Sendable, Equatable {
    /// Replace a leading `from` by `to`.
    public struct Rule: Sendable, Equatable {
        public var from: String
        public var to: String
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    public var rules: [Rule]

    public init(_ rules: [Rule]) { self.rules = rules }

    /// The key after the first rule whose prefix matches, or unchanged when none does.
    public func renamed(_ key: String) -> String {
        for rule in rules where key.hasPrefix(rule.from) {
            return rule.to + key.dropFirst(rule.from.count)
        }
        return key
    }

    /// Renames every key; two source keys landing on the same name is an error naming both.
    public func apply<Value>(to weights: [String: Value]) throws(CheckpointError) -> [String: Value] {
        var result: [String: Value] = [:]
        var source: [String: String] = [:]
        for key in weights.keys.sorted() {
            let target = renamed(key)
            if let previous = source[target] {
                throw .duplicateTensor(tensor: target, files: ["'\(previous)'", "'\(key)' (after renaming)"])
            }
            source[target] = key
            result[target] = weights[key]
        }
        return result
    }
}
