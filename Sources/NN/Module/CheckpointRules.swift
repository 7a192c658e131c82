// One rule table per model for mapping checkpoint keys onto module keys, after llama.cpp's tensor-name
// maps and transformers' `_checkpoint_conversion_mapping`: rename, drop, tie, transpose, reshape as
// data, applied in order by one throwing function. The same table plans from shapes alone (what
// `vans inspect weights` prints) and applies to tensors (what `Module.load` does).
import Tensor

/// One step of a checkpoint → module key mapping. Patterns are regular expressions searched anywhere
/// in the key (anchor them with `^` and `$`); a rule that matches no key is not an error, so one table
/// serves every layout of a model's checkpoints.
public enum CheckpointRule: Sendable, Equatable, CustomStringConvertible {
    /// Replaces a leading `prefix` by `replacement`.
    case renamePrefix(String, to: String)
    /// Replaces the first match of `pattern` by `template` (`$1`…`$9` insert capture groups).
    case rename(pattern: String, to: String)
    /// Removes keys matching `pattern`: buffers the module does not load, such as `rotary_emb.inv_freq`.
    case drop(pattern: String)
    /// Makes `key` the tensor stored under `source` when the checkpoint lacks `key` (tied embeddings:
    /// `lm_head.weight` ← `embed_tokens.weight`). A checkpoint holding both keeps both.
    case tie(String, to: String)
    /// Reorders the axes of tensors matching `pattern` (result axis i is stored axis `permutation[i]`).
    case transpose(pattern: String, permutation: [Int])
    /// Gives tensors matching `pattern` a new shape with the same elements (one dimension may be -1).
    case reshape(pattern: String, to: [Int])
    /// Merges every axis from `axis` on into one: a Conv3d patch-embed weight [out, in, t, h, w]
    /// becomes the equivalent Linear weight [out, in·t·h·w] with `axis` 1.
    case flatten(pattern: String, fromAxis: Int)

    public var description: String {
        switch self {
        case .renamePrefix(let prefix, let replacement): return "rename prefix '\(prefix)' → '\(replacement)'"
        case .rename(let pattern, let template): return "rename /\(pattern)/ → '\(template)'"
        case .drop(let pattern): return "drop /\(pattern)/"
        case .tie(let key, let source): return "tie '\(key)' ← '\(source)'"
        case .transpose(let pattern, let permutation): return "transpose /\(pattern)/ to axes \(permutation)"
        case .reshape(let pattern, let shape): return "reshape /\(pattern)/ to \(shape)"
        case .flatten(let pattern, let axis): return "flatten /\(pattern)/ from axis \(axis)"
        }
    }
}

/// A shape change a rule makes to one tensor.
public enum CheckpointReshaping: Sendable, Equatable {
    case permute([Int])
    case reshape([Int])
}

/// Where one module key's tensor comes from: the stored key, the shape changes on the way, and the
/// rules that touched it, in order.
public struct CheckpointMapping: Sendable, Equatable {
    /// The key in the checkpoint.
    public var source: String
    /// The stored shape.
    public var sourceShape: [Int]
    /// The shape the module receives.
    public var shape: [Int]
    /// Shape changes, applied in order.
    public var reshapings: [CheckpointReshaping]
    /// Descriptions of the rules that renamed, tied or reshaped it.
    public var rules: [String]
    /// The tie rule that made this key share another key's tensor, or nil for a tensor's own mapping.
    public var tie: String?
}

/// The result of planning a checkpoint through a rule table.
public struct CheckpointPlan: Sendable, Equatable {
    /// Module key → where its tensor comes from.
    public var mappings: [String: CheckpointMapping]
    /// Checkpoint key → the rule that dropped it.
    public var dropped: [String: String]
    /// How many keys each rule (by position in the table) matched.
    public var ruleMatches: [Int]

    /// The module keys, sorted.
    public var keys: [String] { mappings.keys.sorted() }

    /// The tensors the module receives, taken from `weights` (keyed by checkpoint key) and reshaped.
    /// Reordered tensors are made contiguous, as the kernels expect weights in row-major order.
    public func apply(to weights: [String: Tensor]) throws(NNError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, mapping) in mappings {
            guard var tensor = weights[mapping.source] else { throw .missingKeys([mapping.source]) }
            guard tensor.shape == mapping.sourceShape else {
                throw .shapeMismatch(key: mapping.source, expected: mapping.sourceShape, found: tensor.shape)
            }
            for reshaping in mapping.reshapings {
                switch reshaping {
                case .permute(let axes): tensor = tensor.permuted(axes).contiguous()
                case .reshape(let shape): tensor = tensor.reshaped(shape)
                }
            }
            result[key] = tensor
        }
        return result
    }
}

/// An ordered table of checkpoint rules; each rule runs over every key before the next.
///
/// ```swift
/// let rules: CheckpointRules = [
///     .rename(pattern: #"^visual\."#, to: "model.visual."),
///     .drop(pattern: #"\.rotary_emb\.inv_freq$"#),
///     .tie("lm_head.weight", to: "model.language_model.embed_tokens.weight"),
///     .flatten(pattern: #"^model\.visual\.patch_embed\.proj\.weight$"#, fromAxis: 1),
/// ]
/// let weights = try rules.apply(to: checkpoint)
/// ```
public struct CheckpointRules: Sendable, Equatable, ExpressibleByArrayLiteral {
    public var rules: [CheckpointRule]

    public init(_ rules: [CheckpointRule] = []) { self.rules = rules }
    public init(arrayLiteral rules: CheckpointRule...) { self.rules = rules }

    /// Maps stored keys and shapes to module keys and shapes without touching tensor data.
    public func plan(shapes: [String: [Int]]) throws(NNError) -> CheckpointPlan {
        var mappings = Dictionary(uniqueKeysWithValues: shapes.map {
            ($0.key, CheckpointMapping(source: $0.key, sourceShape: $0.value, shape: $0.value, reshapings: [], rules: [], tie: nil))
        })
        var dropped: [String: String] = [:]
        var matches: [Int] = []
        for rule in rules {
            let matcher = try KeyMatcher(rule)
            var count = 0
            switch rule {
            case .renamePrefix, .rename:
                var renamed: [String: CheckpointMapping] = [:]
                for key in mappings.keys.sorted() {
                    var mapping = mappings[key]!
                    var target = key
                    if let name = matcher.renamed(key) {
                        target = name
                        mapping.rules.append(rule.description)
                        count += 1
                    }
                    if let previous = renamed[target] {
                        throw .ruleFailed(rule: rule.description, key: key,
                                          reason: "it would be named '\(target)', as '\(previous.source)' already is")
                    }
                    renamed[target] = mapping
                }
                mappings = renamed
            case .drop:
                for key in mappings.keys.sorted() where matcher.matches(key) {
                    dropped[mappings.removeValue(forKey: key)!.source] = rule.description
                    count += 1
                }
            case .tie(let key, let source):
                // Only a missing key is tied; with the source missing too there is nothing to tie, and
                // `Module.load` reports the missing key.
                if let stored = mappings[key], let tied = mappings[source], stored.shape != tied.shape {
                    throw .ruleFailed(rule: rule.description, key: key,
                                      reason: "it is stored with shape \(stored.shape) but '\(source)' has \(tied.shape)")
                }
                guard mappings[key] == nil, var mapping = mappings[source] else { break }
                mapping.rules.append(rule.description)
                mapping.tie = rule.description
                mappings[key] = mapping
                count = 1
            case .transpose(_, let permutation):
                for key in mappings.keys.sorted() where matcher.matches(key) {
                    let shape = mappings[key]!.shape
                    guard permutation.sorted() == Array(0..<shape.count) else {
                        throw .ruleFailed(rule: rule.description, key: key,
                                          reason: "\(permutation) is not a permutation of the axes of shape \(shape)")
                    }
                    mappings[key]!.record(rule, .permute(permutation), shape: permutation.map { shape[$0] })
                    count += 1
                }
            case .reshape(_, let target):
                for key in mappings.keys.sorted() where matcher.matches(key) {
                    let shape = mappings[key]!.shape
                    guard let resolved = Self.resolve(target, elementCount: shape.reduce(1, *)) else {
                        throw .ruleFailed(rule: rule.description, key: key, reason: "shape \(shape) cannot be reshaped to \(target)")
                    }
                    mappings[key]!.record(rule, .reshape(resolved), shape: resolved)
                    count += 1
                }
            case .flatten(_, let axis):
                for key in mappings.keys.sorted() where matcher.matches(key) {
                    let shape = mappings[key]!.shape
                    guard axis >= 0, axis < shape.count else {
                        throw .ruleFailed(rule: rule.description, key: key, reason: "shape \(shape) has no axis \(axis)")
                    }
                    let flattened = Array(shape[..<axis]) + [shape[axis...].reduce(1, *)]
                    mappings[key]!.record(rule, .reshape(flattened), shape: flattened)
                    count += 1
                }
            }
            matches.append(count)
        }
        return CheckpointPlan(mappings: mappings, dropped: dropped, ruleMatches: matches)
    }

    /// The module's tensors from a checkpoint's: `plan`, then the plan applied.
    public func apply(to weights: [String: Tensor]) throws(NNError) -> [String: Tensor] {
        try plan(shapes: weights.mapValues(\.shape)).apply(to: weights)
    }

    /// `shape` with a -1 inferred from `elementCount`, or nil when no shape fits.
    private static func resolve(_ shape: [Int], elementCount: Int) -> [Int]? {
        guard shape.allSatisfy({ $0 >= -1 }), shape.filter({ $0 == -1 }).count <= 1 else { return nil }
        var resolved = shape
        if let inferred = shape.firstIndex(of: -1) {
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, elementCount % known == 0 else { return nil }
            resolved[inferred] = elementCount / known
        }
        return resolved.reduce(1, *) == elementCount ? resolved : nil
    }
}

extension CheckpointMapping {
    fileprivate mutating func record(_ rule: CheckpointRule, _ reshaping: CheckpointReshaping, shape newShape: [Int]) {
        reshapings.append(reshaping)
        shape = newShape
        rules.append(rule.description)
    }
}

/// A rule's pattern, compiled once per plan.
private struct KeyMatcher {
    private let regex: Regex<AnyRegexOutput>?
    private let rule: CheckpointRule

    init(_ rule: CheckpointRule) throws(NNError) {
        self.rule = rule
        let pattern: String?
        switch rule {
        case .rename(let value, _), .drop(let value), .transpose(let value, _), .reshape(let value, _), .flatten(let value, _):
            pattern = value
        case .renamePrefix, .tie:
            pattern = nil
        }
        guard let pattern else {
            regex = nil
            return
        }
        do { regex = try Regex(pattern) } catch {
            throw .invalidRule(rule: rule.description, reason: "not a valid regular expression: \(error)")
        }
    }

    func matches(_ key: String) -> Bool {
        guard let regex else { return false }
        return key.contains(regex)
    }

    /// The key after a rename rule, or nil when the rule does not apply to it.
    func renamed(_ key: String) -> String? {
        switch rule {
        case .renamePrefix(let prefix, let replacement):
            return key.hasPrefix(prefix) ? replacement + key.dropFirst(prefix.count) : nil
        case .rename(_, let template):
            guard let regex, let match = key.firstMatch(of: regex) else { return nil }
            return String(key[..<match.range.lowerBound]) + Self.expand(template, match) + key[match.range.upperBound...]
        default:
            return nil
        }
    }

    /// `template` with `$1`…`$9` replaced by the match's capture groups (empty when a group did not take part).
    private static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        var result = ""
        var characters = template.makeIterator()
        while let character = characters.next() {
            guard character == "$" else {
                result.append(character)
                continue
            }
            guard let next = characters.next() else {
                result.append(character)
                break
            }
            if let group = next.wholeNumberValue, group > 0, group < match.output.count {
                result += match.output[group].substring.map(String.init) ?? ""
            } else {
                result.append(character)
                result.append(next)
            }
        }
        return result
    }
}
