// Mirrors the spm_precompiled crate (tokenizers' `Precompiled` normalizer): SentencePiece's compiled
// character map, a darts-clone double-array trie over UTF-8 keys plus a blob of NUL-terminated replacements.
import Foundation

/// SentencePiece's precompiled normalisation map (e.g. nmt_nfkc), decoded from its binary form.
///
/// Accepted as spm_precompiled accepts it: base64 (padding optional), a little-endian u32 trie size in bytes whose
/// `size / 4` units fit the blob (a size that is not a multiple of 4 is rounded down, the extra bytes
/// starting the replacements), and replacements that are valid UTF-8. One deliberate difference: a trie
/// with no units is refused, where the reference loads it and then panics on the first lookup. Lookups
/// that leave the trie or the replacements (possible in a damaged but loadable map, where the reference
/// panics) are bounds-checked and leave the text unchanged.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let normalized: [UInt8]

    /// Parses the base64 text of a `precompiled_charsmap` field.
    init(base64 text: String, file: String, field: String) throws {
        guard let blob = Self.decodeBase64(text) else {
            throw TokenizerError.invalidField(path: file, field: field, reason: "not valid base64")
        }
        try self.init(blob: blob, file: file, field: field)
    }

    /// Parses the blob: a little-endian u32 trie size in bytes, the trie units, then the replacement strings.
    init(blob: [UInt8], file: String, field: String) throws {
        func bad(_ reason: String) -> TokenizerError { .invalidField(path: file, field: field, reason: reason) }
        guard blob.count >= 4 else { throw bad("charsmap shorter than its 4-byte header") }
        let trieSize = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        let unitCount = trieSize / 4
        guard unitCount <= (blob.count - 4) / 4 else {
            throw bad("charsmap trie size \(trieSize) does not fit a \(blob.count)-byte blob")
        }
        guard unitCount > 0 else { throw bad("charsmap trie is empty") }
        var units = [UInt32](repeating: 0, count: unitCount)
        for index in 0..<units.count {
            let offset = 4 + index * 4
            units[index] = UInt32(blob[offset]) | UInt32(blob[offset + 1]) << 8 | UInt32(blob[offset + 2]) << 16 | UInt32(blob[offset + 3]) << 24
        }
        let normalized = Array(blob[(4 + unitCount * 4)...])
        guard String(validating: normalized, as: UTF8.self) != nil else { throw bad("charsmap replacements are not valid UTF-8") }
        self.units = units
        self.normalized = normalized
    }

    /// Standard base64 as spm_precompiled reads it (the `base64` crate's STANDARD alphabet, padding
    /// indifferent): the `+/` alphabet, no whitespace, `=` padding optional but never more than the
    /// canonical amount, and the unused low bits of the last character zero. Nil for anything else.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var characters = Array(text.utf8)
        let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        characters.removeLast(padding)
        let remainder = characters.count % 4
        guard remainder != 1, padding <= (4 - remainder) % 4 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 4 * 3)
        var accumulator: UInt32 = 0
        for (index, character) in characters.enumerated() {
            guard let value = sextet(character) else { return nil }
            accumulator = accumulator << 6 | value
            if index % 4 == 3 {
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                bytes.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            }
        }
        switch remainder {
        case 3:  // three characters: 18 bits, 2 bytes, 2 unused bits
            guard accumulator & 0x3 == 0 else { return nil }
            bytes.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            bytes.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        case 2:  // two characters: 12 bits, 1 byte, 4 unused bits
            guard accumulator & 0xF == 0 else { return nil }
            bytes.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        default: break
        }
        return bytes
    }

    private static func sextet(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(character - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(character - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
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
            if byte == 0 { return nil }  // the reference's search stops at a NUL byte
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

    /// The replacement for `chunk`, or nil when the map leaves it alone. A value just past the replacements
    /// gives the empty string, as the reference's slice `normalized[len..len]` does.
    func transform(_ chunk: some Collection<UInt8>) -> String? {
        guard let start = firstPrefixValue(chunk), start <= normalized.count else { return nil }
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
