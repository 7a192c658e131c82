// Mirrors tokenizers' BPE model (models/bpe/model.rs, word.rs): merges applied lowest rank first,
// leftmost on ties; byte-level vocabularies work on raw UTF-8 bytes through a byte → id table.
import Foundation

/// A byte-pair-encoding model with its merge table and a cache of encoded words.
final class BPEModel: @unchecked Sendable {
    let vocabulary: [String: Int]
    let tokens: [Int: String]
    let unknownToken: String?
    let continuingSubwordPrefix: String
    let endOfWordSuffix: String
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    /// (left id, right id) packed into 64 bits → (rank, merged id). Ids are `u32` in tokenizers, so the
    /// whole id range the reference accepts fits (ids at or above 2³¹ included).
    private let merges: [UInt64: (rank: Int32, id: UInt32)]
    private let rankedMerges: [(String, String)]

    // Cache guarded by a lock so one model can serve several threads (mutable state in a Sendable class).
    private var cache: [[UInt8]: [UInt32]] = [:]
    private let cacheLock = NSLock()
    private static let cacheCapacity = 10_000
    private static let cacheableLength = 256

    init(_ node: JSONNode) throws {
        var vocabulary: [String: Int] = [:]
        // A repeated token keeps its last id, as the reference's HashMap does.
        for (key, value) in try node["vocab"].object() { vocabulary[key] = try value.tokenID() }
        self.vocabulary = vocabulary
        tokens = Dictionary(vocabulary.map { ($0.value, $0.key) }, uniquingKeysWith: { first, second in min(first, second) })
        unknownToken = try node["unk_token"].optionalString()
        continuingSubwordPrefix = try node["continuing_subword_prefix"].optionalString() ?? ""
        endOfWordSuffix = try node["end_of_word_suffix"].optionalString() ?? ""
        fuseUnknown = try node["fuse_unk"].bool(default: false)
        byteFallback = try node["byte_fallback"].bool(default: false)
        ignoreMerges = try node["ignore_merges"].bool(default: false)
        if !node["dropout"].isNull {
            let dropout = try node["dropout"].double()
            guard (0...1).contains(dropout) else { throw node["dropout"].fail("dropout \(dropout) is not between 0 and 1") }
            // Random merges would make ids differ from run to run.
            if dropout > 0 { throw node["dropout"].unsupported("BPE dropout") }
        }
        var merges: [UInt64: (rank: Int32, id: UInt32)] = [:]
        var ranked: [(String, String)] = []
        let entries = try node["merges"].array()
        // The reference reads either all "a b" strings or all ["a", "b"] pairs, never a mix.
        let stringForm = entries.first?.isString ?? true
        for (rank, entry) in entries.enumerated() {
            guard entry.isString == stringForm else { throw entry.fail("merges mix \"a b\" strings and [\"a\", \"b\"] pairs") }
            let pair: [String]
            if stringForm {
                pair = try entry.string().split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                pair = try entry.array().map { try $0.string() }
            }
            guard pair.count == 2 else { throw entry.fail("a merge must be two tokens (\"a b\" or [\"a\", \"b\"])") }
            guard let left = vocabulary[pair[0]], let right = vocabulary[pair[1]] else {
                throw entry.fail("merge \(pair) uses a token missing from model.vocab")
            }
            let rightPart = continuingSubwordPrefix.isEmpty ? pair[1] : String(pair[1].dropFirst(pair[1].hasPrefix(continuingSubwordPrefix) ? continuingSubwordPrefix.count : 0))
            guard let merged = vocabulary[pair[0] + rightPart] else { throw entry.fail("merged token \((pair[0] + rightPart).debugDescription) missing from model.vocab") }
            // Ids were checked to be `u32` when the vocabulary was read.
            merges[Self.key(UInt32(left), UInt32(right))] = (Int32(rank), UInt32(merged))
            ranked.append((pair[0], pair[1]))
        }
        self.merges = merges
        self.rankedMerges = ranked
    }

    @inline(__always) private static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

    /// Looks up the ids of single characters; byte-level models pass their byte characters here.
    private func initialSymbols(_ characters: [String]) -> [UInt32] {
        var symbols: [UInt32] = []
        symbols.reserveCapacity(characters.count)
        let unknownID = unknownToken.flatMap { vocabulary[$0] }
        var previousWasUnknown = false
        for (index, character) in characters.enumerated() {
            var spelled = character
            if index > 0 { spelled = continuingSubwordPrefix + spelled }
            if index == characters.count - 1 { spelled += endOfWordSuffix }
            if let id = vocabulary[spelled] {
                symbols.append(UInt32(id)); previousWasUnknown = false
                continue
            }
            if byteFallback {
                let bytes = Array(character.utf8).map { vocabulary[String(format: "<0x%02X>", $0)] }
                if bytes.allSatisfy({ $0 != nil }) {
                    symbols.append(contentsOf: bytes.map { UInt32($0!) }); previousWasUnknown = false
                    continue
                }
            }
            if let unknownID {
                if !(fuseUnknown && previousWasUnknown) { symbols.append(UInt32(unknownID)) }
                previousWasUnknown = true
            }
        }
        return symbols
    }

    /// Applies merges in rank order (leftmost first among equal ranks) until none applies.
    private func merge(_ symbols: inout [UInt32]) {
        while symbols.count > 1 {
            var bestRank = Int32.max
            var bestIndex = -1
            var bestID: UInt32 = 0
            for index in 0..<(symbols.count - 1) {
                if let found = merges[Self.key(symbols[index], symbols[index + 1])], found.rank < bestRank {
                    bestRank = found.rank; bestIndex = index; bestID = found.id
                }
            }
            if bestIndex < 0 { return }
            symbols[bestIndex] = bestID
            symbols.remove(at: bestIndex + 1)
        }
    }

    /// Ids for one pre-tokenized piece. `byteLevel` pieces are raw UTF-8 spelled through the byte map.
    func encode(piece: ArraySlice<Unicode.Scalar>, byteLevel: Bool, into output: inout [Int]) {
        var key: [UInt8] = []
        key.reserveCapacity(piece.count)
        for scalar in piece { appendUTF8(scalar, to: &key) }
        let cacheable = key.count < Self.cacheableLength
        if cacheable {
            cacheLock.lock()
            let hit = cache[key]
            cacheLock.unlock()
            if let hit { for id in hit { output.append(Int(id)) }; return }
        }
        let characters: [String] = byteLevel ? key.map { String(ByteLevel.characters[Int($0)]) } : piece.map { String($0) }
        var symbols: [UInt32]
        if ignoreMerges, let whole = vocabulary[characters.joined()] {
            symbols = [UInt32(whole)]
        } else {
            symbols = initialSymbols(characters)
            merge(&symbols)
        }
        for id in symbols { output.append(Int(id)) }
        if cacheable {
            cacheLock.lock()
            if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = symbols
            cacheLock.unlock()
        }
    }

    /// The merges in rank order, for writing a tokenizer.json back out.
    var mergeList: [(String, String)] { rankedMerges }
}

/// Appends the UTF-8 encoding of one scalar.
@inline(__always)
func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
    let value = scalar.value
    if value < 0x80 {
        bytes.append(UInt8(value))
    } else if value < 0x800 {
        bytes.append(UInt8(0xC0 | value >> 6)); bytes.append(UInt8(0x80 | value & 0x3F))
    } else if value < 0x10000 {
        bytes.append(UInt8(0xE0 | value >> 12)); bytes.append(UInt8(0x80 | (value >> 6) & 0x3F)); bytes.append(UInt8(0x80 | value & 0x3F))
    } else {
        bytes.append(UInt8(0xF0 | value >> 18)); bytes.append(UInt8(0x80 | (value >> 12) & 0x3F))
        bytes.append(UInt8(0x80 | (value >> 6) & 0x3F)); bytes.append(UInt8(0x80 | value & 0x3F))
    }
}
