// Mirrors tokenizers' TruncationParams and PaddingParams (utils/truncation.rs, utils/padding.rs): a
// tokenizer.json may carry `truncation` and `padding`, and the reference applies them to every encoding,
// so checkpoints that ship them (some do, with a baked `max_length`) encode the same here.

/// The `truncation` field: a longer encoding is cut to `maxLength` ids, special tokens included.
struct SavedTruncation: Sendable {
    enum Strategy: String, Sendable { case longestFirst = "LongestFirst", onlyFirst = "OnlyFirst", onlySecond = "OnlySecond" }

    let maxLength: Int
    let strategy: Strategy
    /// Cut from the start (`"Left"`) rather than the end.
    let fromLeft: Bool

    /// nil when the field is absent or null.
    init?(_ node: JSONNode) throws {
        if node.isNull { return nil }
        try node.requireDistinctFields()
        maxLength = try node["max_length"].count()
        _ = try node["stride"].count()  // required by the reference; it only shapes overflowing pieces
        let name = try node["strategy"].string()
        guard let strategy = Strategy(rawValue: name) else { throw node["strategy"].fail("unknown truncation strategy \(name.debugDescription)") }
        self.strategy = strategy
        fromLeft = try Self.isLeft(node["direction"], default: false)
    }

    /// `"Left"` or `"Right"`; absent gives `fallback`.
    static func isLeft(_ node: JSONNode, default fallback: Bool) throws -> Bool {
        if node.isMissing { return fallback }
        switch try node.string() {
        case "Left": return true
        case "Right": return false
        case let other: throw node.fail("unknown direction \(other.debugDescription)")
        }
    }

    /// Cuts the model's ids before the post-processor adds `specialCount` ids, as the reference does: the room
    /// is `maxLength − specialCount`, and when that is negative (an unsigned wrap there) nothing is cut.
    func apply(_ ids: inout [Int], specialCount: Int) throws {
        guard strategy != .onlySecond else {
            throw TokenizerError.invalidArgument("truncation strategy OnlySecond needs a second sequence")
        }
        let room = maxLength - specialCount
        guard room >= 0, ids.count > room else { return }
        if fromLeft { ids.removeFirst(ids.count - room) } else { ids.removeLast(ids.count - room) }
    }
}

/// The `padding` field: encodings are padded with `id` to a fixed length, or to the longest of the batch,
/// rounded up to a multiple.
struct SavedPadding: Sendable {
    /// nil: the longest encoding of the batch (`"BatchLongest"`).
    let fixedLength: Int?
    let multiple: Int?
    let fromLeft: Bool
    let id: Int

    /// nil when the field is absent or null.
    init?(_ node: JSONNode) throws {
        if node.isNull { return nil }
        try node.requireDistinctFields()
        let strategy = node["strategy"]
        if strategy.isString {
            guard try strategy.string() == "BatchLongest" else { throw strategy.fail("expected \"BatchLongest\" or {\"Fixed\": length}") }
            fixedLength = nil
        } else {
            fixedLength = try strategy["Fixed"].count()
        }
        guard !node["direction"].isMissing else { throw node["direction"].fail("missing (expected \"Left\" or \"Right\")") }
        fromLeft = try SavedTruncation.isLeft(node["direction"], default: false)
        multiple = node["pad_to_multiple_of"].isNull ? nil : try node["pad_to_multiple_of"].count()
        id = try node["pad_id"].tokenID()
        _ = try node["pad_type_id"].tokenID()
        _ = try node["pad_token"].string()
    }

    /// The most pad ids one encoding may get: a file asking for more (`{"Fixed": 2^40}`) fails at encoding
    /// with an error, where the reference would try to allocate them.
    static let largestPadding = 1 << 24

    /// The length to pad to when the longest encoding has `longest` ids.
    func targetLength(longest: Int) throws -> Int {
        var length = fixedLength ?? longest
        if let multiple, multiple > 0, length % multiple > 0 {
            let (rounded, overflow) = length.addingReportingOverflow(multiple - length % multiple)
            length = overflow ? .max : rounded
        }
        guard length <= longest || length - longest <= Self.largestPadding else {
            throw TokenizerError.invalidArgument("tokenizer.json pads encodings to \(length) ids, more than \(Self.largestPadding) pad ids")
        }
        return length
    }
}
