// Mirrors GPT-2's bytes_to_unicode (tokenizers' pre_tokenizers/byte_level.rs).

/// The reversible byte ↔ printable-character map byte-level BPE vocabularies are written in.
enum ByteLevel {
    /// `characters[b]` is the vocabulary character standing for byte `b`.
    static let characters: [Unicode.Scalar] = {
        var printable = [Bool](repeating: false, count: 256)
        for range in [33...126, 161...172, 174...255] { for byte in range { printable[byte] = true } }
        var result = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if printable[byte] {
                result[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                result[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return result
    }()

    /// The inverse map: vocabulary character → byte.
    static let bytes: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in characters.enumerated() { map[scalar] = UInt8(byte) }
        return map
    }()

    /// The vocabulary spelling of raw bytes.
    static func encode<Bytes: Sequence>(_ raw: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in raw { text.append(characters[Int(byte)]) }
        return String(text)
    }

    /// Raw bytes of a vocabulary string, or nil when a character is outside the byte alphabet.
    static func decode(_ token: String) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = bytes[scalar] else { return nil }
            result.append(byte)
        }
        return result
    }
}
