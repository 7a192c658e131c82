// Mirrors tokenizers' pre-tokenizers: Split (known regexes), ByteLevel, Metaspace, WhitespaceSplit, Sequence.

/// Pieces of one text segment: ranges into a scalar buffer (a step may rewrite the buffer).
struct Pieces {
    var scalars: [Unicode.Scalar]
    var ranges: [Range<Int>]
}

/// A pre-tokenization step from a tokenizer.json `pre_tokenizer` field.
indirect enum PreTokenizer: Sendable {
    enum Behavior: String, Sendable { case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious", mergedWithNext = "MergedWithNext", contiguous = "Contiguous" }
    enum PrependScheme: String, Sendable { case always, first, never }

    case split(SplitPattern, behavior: Behavior, invert: Bool)
    /// Byte-level: optionally the GPT-2 regex and a leading space; the byte mapping itself happens in the model.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme, split: Bool)
    case whitespaceSplit
    case sequence([PreTokenizer])

    static func parse(_ node: JSONNode) throws -> PreTokenizer? {
        if node.isNull { return nil }
        let type = try node["type"].string()
        switch type {
        case "Split":
            let source: String
            if !node["pattern"]["Regex"].isNull { source = try node["pattern"]["Regex"].string() }
            else { source = try node["pattern"]["String"].string() }
            guard let pattern = SplitPattern(source: source) else { throw node["pattern"].unsupported("split pattern \(source.debugDescription)") }
            let behaviorName = try node["behavior"].string()
            guard let behavior = Behavior(rawValue: behaviorName) else { throw node["behavior"].unsupported("behavior \(behaviorName.debugDescription)") }
            let invert = try node["invert"].bool(default: false)
            switch (behavior, invert) {
            case (.isolated, false), (.removed, true): break
            default: throw node["behavior"].unsupported("split behavior \(behaviorName) with invert \(invert)")
            }
            return .split(pattern, behavior: behavior, invert: invert)
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try node["add_prefix_space"].bool(default: true), useRegex: try node["use_regex"].bool(default: true))
        case "Metaspace":
            let replacement = try node["replacement"].string()
            guard replacement.unicodeScalars.count == 1, let scalar = replacement.unicodeScalars.first else { throw node["replacement"].fail("expected one character") }
            var scheme = PrependScheme.always
            if !node["prepend_scheme"].isNull {
                let name = try node["prepend_scheme"].string()
                guard let parsed = PrependScheme(rawValue: name) else { throw node["prepend_scheme"].unsupported("prepend scheme \(name.debugDescription)") }
                scheme = parsed
            } else if !node["add_prefix_space"].isNull {
                scheme = try node["add_prefix_space"].bool(default: true) ? .always : .never
            }
            return .metaspace(replacement: scalar, prependScheme: scheme, split: try node["split"].bool(default: true))
        case "WhitespaceSplit": return .whitespaceSplit
        case "Sequence": return .sequence(try node["pretokenizers"].array().compactMap { try parse($0) })
        default: throw node["type"].unsupported("pre-tokenizer \(type.debugDescription)")
        }
    }

    /// Whether this step (or a nested one) maps text to bytes for a byte-level model.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: return true
        case .sequence(let steps): return steps.contains { $0.isByteLevel }
        default: return false
        }
    }

    /// Splits every piece further. `isFirstSegment` says whether the pieces start the original text
    /// (Metaspace's `first` scheme prepends only there).
    func apply(_ pieces: inout Pieces, isFirstSegment: Bool) {
        switch self {
        case let .sequence(steps):
            for step in steps { step.apply(&pieces, isFirstSegment: isFirstSegment) }
        case let .split(pattern, behavior, _):
            Self.splitByPattern(&pieces, pattern, keepGaps: behavior == .isolated)
        case let .byteLevel(addPrefixSpace, useRegex):
            if addPrefixSpace {
                // Adds a space in front of each piece that does not start with one.
                var scalars: [Unicode.Scalar] = []
                var ranges: [Range<Int>] = []
                for range in pieces.ranges {
                    let start = scalars.count
                    if pieces.scalars[range.lowerBound] != " " { scalars.append(" ") }
                    scalars.append(contentsOf: pieces.scalars[range])
                    ranges.append(start..<scalars.count)
                }
                pieces = Pieces(scalars: scalars, ranges: ranges)
            }
            if useRegex { Self.splitByPattern(&pieces, .gpt2, keepGaps: true) }
        case .whitespaceSplit:
            var ranges: [Range<Int>] = []
            for range in pieces.ranges {
                var index = range.lowerBound
                while index < range.upperBound {
                    while index < range.upperBound && CharacterClass.isWhitespace(pieces.scalars[index]) { index += 1 }
                    let start = index
                    while index < range.upperBound && !CharacterClass.isWhitespace(pieces.scalars[index]) { index += 1 }
                    if index > start { ranges.append(start..<index) }
                }
            }
            pieces.ranges = ranges
        case let .metaspace(replacement, scheme, split):
            var scalars: [Unicode.Scalar] = []
            var ranges: [Range<Int>] = []
            for (order, range) in pieces.ranges.enumerated() {
                let start = scalars.count
                let prepend: Bool
                switch scheme {
                case .always: prepend = pieces.scalars[range.lowerBound] != replacement && pieces.scalars[range.lowerBound] != " "
                case .first: prepend = order == 0 && isFirstSegment && pieces.scalars[range.lowerBound] != replacement && pieces.scalars[range.lowerBound] != " "
                case .never: prepend = false
                }
                if prepend { scalars.append(replacement) }
                for scalar in pieces.scalars[range] { scalars.append(scalar == " " ? replacement : scalar) }
                if !split { ranges.append(start..<scalars.count); continue }
                // MergedWithNext: each replacement character starts a new piece.
                var pieceStart = start
                for index in start..<scalars.count where scalars[index] == replacement && index > pieceStart {
                    ranges.append(pieceStart..<index)
                    pieceStart = index
                }
                if pieceStart < scalars.count { ranges.append(pieceStart..<scalars.count) }
            }
            pieces = Pieces(scalars: scalars, ranges: ranges)
        }
    }

    private static func splitByPattern(_ pieces: inout Pieces, _ pattern: SplitPattern, keepGaps: Bool) {
        var classes = [UInt8](repeating: 0, count: pieces.scalars.count)
        for index in pieces.scalars.indices { classes[index] = CharacterClass.of(pieces.scalars[index]) }
        var output: [Range<Int>] = []
        output.reserveCapacity(pieces.ranges.count * 2)
        pieces.scalars.withUnsafeBufferPointer { allScalars in
            classes.withUnsafeBufferPointer { allClasses in
                for range in pieces.ranges {
                    let text = UnsafeBufferPointer(rebasing: allScalars[range])
                    let textClasses = UnsafeBufferPointer(rebasing: allClasses[range])
                    var position = 0
                    var gapStart = 0
                    while position < text.count {
                        if let end = pattern.match(text, classes: textClasses, at: position), end > position {
                            if keepGaps && gapStart < position { output.append(range.lowerBound + gapStart..<range.lowerBound + position) }
                            output.append(range.lowerBound + position..<range.lowerBound + end)
                            position = end
                            gapStart = end
                        } else {
                            position += 1
                        }
                    }
                    if keepGaps && gapStart < text.count { output.append(range.lowerBound + gapStart..<range.lowerBound + text.count) }
                }
            }
        }
        pieces.ranges = output
    }
}
