// Mirrors tokenizers' decoders: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence.
import Foundation

/// Turns token strings back into text (a tokenizer.json `decoder` field).
indirect enum Decoder: Sendable {
    case byteLevel
    case metaspace(replacement: Character, prependScheme: PreTokenizer.PrependScheme)
    case replace(pattern: String, content: String)
    case byteFallback
    case fuse
    case strip(content: Character, start: Int, stop: Int)
    case sequence([Decoder])

    static func parse(_ node: JSONNode) throws -> Decoder? {
        if node.isNull { return nil }
        let type = try node["type"].string()
        switch type {
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            let replacement = try node["replacement"].string()
            guard replacement.count == 1 else { throw node["replacement"].fail("expected one character") }
            var scheme = PreTokenizer.PrependScheme.always
            if !node["prepend_scheme"].isNull {
                let name = try node["prepend_scheme"].string()
                guard let parsed = PreTokenizer.PrependScheme(rawValue: name) else { throw node["prepend_scheme"].unsupported("prepend scheme \(name.debugDescription)") }
                scheme = parsed
            } else if !node["add_prefix_space"].isNull {
                scheme = try node["add_prefix_space"].bool(default: true) ? .always : .never
            }
            return .metaspace(replacement: Character(replacement), prependScheme: scheme)
        case "Replace":
            guard !node["pattern"]["String"].isNull else { throw node["pattern"].unsupported("regex replace in a decoder") }
            return .replace(pattern: try node["pattern"]["String"].string(), content: try node["content"].string())
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            let content = try node["content"].string()
            guard content.count == 1 else { throw node["content"].fail("expected one character") }
            return .strip(content: Character(content), start: try node["start"].count(), stop: try node["stop"].count())
        case "Sequence": return .sequence(try node["decoders"].array().compactMap { try parse($0) })
        default: throw node["type"].unsupported("decoder \(type.debugDescription)")
        }
    }

    /// One step of the chain: token strings in, token strings out.
    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens { bytes.append(contentsOf: ByteLevel.decode(token) ?? Array(token.utf8)) }
            return [String(decoding: bytes, as: UTF8.self)]
        case let .metaspace(replacement, scheme):
            // Every replacement character of the first token is dropped when a prefix was prepended.
            return tokens.enumerated().map { index, token in
                var result = ""
                for character in token {
                    if character == replacement {
                        if index == 0 && scheme != .never { continue }
                        result.append(" ")
                    } else { result.append(character) }
                }
                return result
            }
        case let .replace(pattern, content):
            return tokens.map { $0.replacingOccurrences(of: pattern, with: content) }
        case .byteFallback:
            var output: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let valid = String(validating: pending, as: UTF8.self) { output.append(valid) }
                else { output.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count)) }
                pending = []
            }
            for token in tokens {
                if token.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">"), let byte = UInt8(token.dropFirst(3).dropLast(), radix: 16) {
                    pending.append(byte)
                } else { flush(); output.append(token) }
            }
            flush()
            return output
        case .fuse: return [tokens.joined()]
        case let .strip(content, start, stop):
            return tokens.map { token in
                var characters = Array(token)
                var leading = 0
                while leading < start && leading < characters.count && characters[leading] == content { leading += 1 }
                characters.removeFirst(leading)
                var trailing = 0
                while trailing < stop && !characters.isEmpty && characters[characters.count - 1] == content { characters.removeLast(); trailing += 1 }
                return String(characters)
            }
        case let .sequence(steps): return steps.reduce(tokens) { $1.decodeChain($0) }
        }
    }
}

/// Adds the special tokens a model expects around a sequence (a tokenizer.json `post_processor` field).
enum PostProcessor: Sendable {
    case none
    /// The ids placed before and after the sequence (TemplateProcessing, Roberta, Bert).
    case surround(prefix: [Int], suffix: [Int])

    static func parse(_ node: JSONNode) throws -> PostProcessor {
        if node.isNull { return .none }
        try node.requireDistinctFields()  // every post-processor of the reference refuses a repeated field
        let type = try node["type"].string()
        switch type {
        case "ByteLevel": return .none
        case "RobertaProcessing", "BertProcessing":
            let cls = try node["cls"].array(), sep = try node["sep"].array()
            guard cls.count == 2, sep.count == 2 else { throw node["cls"].fail("expected [token, id]") }
            return .surround(prefix: [try cls[1].tokenID()], suffix: [try sep[1].tokenID()])
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            for (name, entry) in try node["special_tokens"].object() {
                try entry.requireDistinctFields()
                specials[name] = try entry["ids"].array().map { try $0.tokenID() }
            }
            var prefix: [Int] = [], suffix: [Int] = []
            var seenSequence = false
            for item in try node["single"].array() {
                if !item["Sequence"].isNull { seenSequence = true; continue }
                let name = try item["SpecialToken"]["id"].string()
                guard let ids = specials[name] else { throw item["SpecialToken"]["id"].fail("\(name.debugDescription) missing from special_tokens") }
                if seenSequence { suffix += ids } else { prefix += ids }
            }
            return .surround(prefix: prefix, suffix: suffix)
        case "Sequence":
            var prefix: [Int] = [], suffix: [Int] = []
            for step in try node["processors"].array() {
                if case let .surround(before, after) = try parse(step) { prefix = before + prefix; suffix += after }
            }
            return prefix.isEmpty && suffix.isEmpty ? .none : .surround(prefix: prefix, suffix: suffix)
        default: throw node["type"].unsupported("post-processor \(type.debugDescription)")
        }
    }

    var addedCount: Int {
        if case let .surround(prefix, suffix) = self { return prefix.count + suffix.count }
        return 0
    }

    func apply(_ ids: [Int]) -> [Int] {
        if case let .surround(prefix, suffix) = self { return prefix + ids + suffix }
        return ids
    }
}
