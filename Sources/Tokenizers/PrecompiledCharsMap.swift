// Mirrors the spm_precompiled crate (tokenizers' `Precompiled` normalizer): SentencePiece's compiled
// character map, a darts-clone double-array trie over UTF-8 keys plus a blob of NUL-terminated replacements.
import Foundation

/// SentencePiece's precompiled normalisation map (e.g. nmt_nfkc), decoded from its binary form.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let normalized: [UInt8]

    /// Parses the blob: a little-endian u32 trie size in bytes, the trie units, then the replacement strings.
    init(blob: [UInt8], file: String, field: String) throws {
        func bad(_ reason: String) -> TokenizerError { .invalidField(path: file, field: field, reason: reason) }
        guard blob.count >= 4 else { throw bad("charsmap shorter than its 4-byte header") }
        let trieSize = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard trieSize % 4 == 0, trieSize <= blob.count - 4, trieSize > 0 else {
            throw bad("charsmap trie size \(trieSize) does not fit a \(blob.count)-byte blob")
        }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for index in 0..<units.count {
            let offset = 4 + index * 4
            units[index] = UInt32(blob[offset]) | UInt32(blob[offset + 1]) << 8 | UInt32(blob[offset + 2]) << 16 | UInt32(blob[offset + 3]) << 24
        }
        self.units = units
        self.normalized = Array(blob[(4 + trieSize)...])
    }

    // darts-clone unit accessors.
    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }

    /// The value of the shortest key that is a prefix of `key` (what `common_prefix_search(..)[0]` gives).
    private func firstPrefixValue(_ key: some Collection<UInt8>) -> Int? {
        var position = 0
        guard !units.isEmpty else { return nil }
        position ^= Self.offset(units[0])
        for byte in key {
            position ^= Int(byte)
            guard position >= 0, position < units.count else { return nil }
            let unit = units[position]
            guard Self.label(unit) == UInt32(byte) else { return nil }
            position ^= Self.offset(unit)
            guard position >= 0, position < units.count else { return nil }
            if Self.hasLeaf(unit) { return Self.value(units[position]) }
        }
        return nil
    }

    /// The replacement for `chunk`, or nil when the map leaves it alone.
    func transform(_ chunk: some Collection<UInt8>) -> String? {
        guard let start = firstPrefixValue(chunk), start < normalized.count else { return nil }
        var end = start
        while end < normalized.count && normalized[end] != 0 { end += 1 }
        return String(decoding: normalized[start..<end], as: UTF8.self)
    }

    /// Normalises text grapheme by grapheme: a whole grapheme shorter than 6 bytes first, else each scalar.
    func normalize(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for grapheme in text {
            let bytes = Array(grapheme.utf8)
            if bytes.count < 6, let replacement = transform(bytes) {
                result += replacement
                continue
            }
            for scalar in grapheme.unicodeScalars {
                if let replacement = transform(Array(String(scalar).utf8)) {
                    result += replacement
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
