// Mirrors tokenizers' Unigram model (models/unigram/model.rs, `encode_optimized`): SentencePiece's
// Viterbi over a byte trie of pieces, unknown characters scored min_score − 10 and fused, byte fallback.
import Foundation

/// A SentencePiece Unigram language model over pieces with log-probability scores.
struct UnigramModel: Sendable {
    let pieces: [(piece: String, score: Double)]
    let vocabulary: [String: Int]
    let unknownID: Int?
    let byteFallback: Bool
    private let minimumScore: Double
    /// Byte trie: node → sorted (byte, child) edges; `terminal[node]` is the piece id ending there.
    private let edges: [[(UInt8, Int32)]]
    private let terminal: [Int32]
    private static let unknownPenalty = 10.0

    init(_ node: JSONNode) throws {
        var pieces: [(String, Double)] = []
        var vocabulary: [String: Int] = [:]
        var minimumScore = Double.infinity
        var edges: [[(UInt8, Int32)]] = [[]]
        var terminal: [Int32] = [-1]
        for (id, entry) in try node["vocab"].array().enumerated() {
            let pair = try entry.array()
            guard pair.count == 2 else { throw entry.fail("a Unigram vocab entry must be [piece, score]") }
            let piece = try pair[0].string()
            let score = try pair[1].double()
            pieces.append((piece, score))
            vocabulary[piece] = id  // later duplicates win, as in a HashMap built in order
            minimumScore = min(minimumScore, score)
            var current = 0
            for byte in piece.utf8 {
                if let next = edges[current].first(where: { $0.0 == byte }) {
                    current = Int(next.1)
                } else {
                    edges.append([]); terminal.append(-1)
                    edges[current].append((byte, Int32(edges.count - 1)))
                    current = edges.count - 1
                }
            }
            if current != 0 { terminal[current] = 1 }
        }
        self.pieces = pieces
        self.vocabulary = vocabulary
        self.minimumScore = minimumScore
        self.edges = edges
        self.terminal = terminal
        if node["unk_id"].isNull { unknownID = nil } else {
            let id = try node["unk_id"].count()
            guard id >= 0 && id < pieces.count else { throw node["unk_id"].fail("unk_id \(id) outside the vocabulary of \(pieces.count)") }
            unknownID = id
        }
        byteFallback = try node["byte_fallback"].bool(default: false)
    }

    /// Segments one pre-tokenized piece and appends its ids.
    func encode(piece: ArraySlice<Unicode.Scalar>, into output: inout [Int]) throws {
        var bytes: [UInt8] = []
        for scalar in piece { appendUTF8(scalar, to: &bytes) }
        let size = bytes.count
        if size == 0 { return }
        struct Best { var id = 0; var score = 0.0; var start = -1 }
        var best = [Best](repeating: Best(), count: size + 1)
        let unknownScore = minimumScore - Self.unknownPenalty
        var start = 0
        while start < size {
            let scoreHere = best[start].score
            let characterLength = Self.utf8Length(bytes[start])
            var hasSingleNode = false
            var node = 0
            var position = start
            while position < size, let next = edges[node].first(where: { $0.0 == bytes[position] }) {
                node = Int(next.1)
                position += 1
                guard terminal[node] >= 0 else { continue }
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                guard let id = vocabulary[text] else { continue }
                let candidate = pieces[id].score + scoreHere
                if best[position].start < 0 || candidate > best[position].score {
                    best[position] = Best(id: id, score: candidate, start: start)
                }
                if position - start == characterLength { hasSingleNode = true }
            }
            if !hasSingleNode {
                guard let unknownID else { throw TokenizerError.unknownToken(String(decoding: bytes[start..<min(size, start + characterLength)], as: UTF8.self)) }
                let end = min(size, start + characterLength)
                let candidate = unknownScore + scoreHere
                if best[end].start < 0 || candidate > best[end].score {
                    best[end] = Best(id: unknownID, score: candidate, start: start)
                }
            }
            start += characterLength
        }
        // Backtrack; consecutive unknowns fuse into one string (fuse_unk is always on for Unigram).
        var strings: [String] = []
        var unknownRun: [String] = []
        var end = size
        while end > 0 {
            let node = best[end]
            let text = String(decoding: bytes[node.start..<end], as: UTF8.self)
            if let unknownID, node.id == unknownID {
                unknownRun.append(text)
            } else {
                if !unknownRun.isEmpty { strings.append(unknownRun.reversed().joined()); unknownRun = [] }
                strings.append(text)
            }
            end = node.start
        }
        if !unknownRun.isEmpty { strings.append(unknownRun.reversed().joined()) }
        for string in strings.reversed() {
            if let id = vocabulary[string] { output.append(id); continue }
            if byteFallback {
                let byteIDs = string.utf8.map { vocabulary[String(format: "<0x%02X>", $0)] }
                if byteIDs.allSatisfy({ $0 != nil }) { output.append(contentsOf: byteIDs.map { $0! }); continue }
            }
            guard let unknownID else { throw TokenizerError.unknownToken(string) }
            output.append(unknownID)
        }
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
