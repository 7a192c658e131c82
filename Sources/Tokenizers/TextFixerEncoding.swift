// Mirrors ftfy 6.3.1's fix_encoding (__init__.py `_fix_encoding_one_step_and_explain`), its sloppy
// codecs (bad_codecs/sloppy.py), the utf-8-variants decoder (bad_codecs/utf8_variants.py) and the
// byte-level fixers restore_byte_a0, replace_lossy_sequences, decode_inconsistent_utf8 and
// fix_c1_controls (fixes.py).

extension TextFixer {
    /// One single-byte encoding ftfy tries: what each byte decodes to, and the reverse.
    struct Charmap: Sendable {
        let name: String
        let decoding: [UInt32]
        let encoding: [UInt32: UInt8]

        /// Python's `codecs.charmap_build` over ASCII plus the table: every byte that decodes to a
        /// code point encodes back to it. Byte 0x1A is U+FFFD in the sloppy codecs, so U+001A is
        /// then not encodable, exactly as in ftfy's `possible_encoding` regexes.
        init(name: String, high: [UInt32]) {
            self.name = name
            var decoding = (0..<128).map { UInt32($0) } + high[0..<128]
            decoding[0x1A] = high[128]
            self.decoding = decoding
            var encoding: [UInt32: UInt8] = [:]
            for (byte, value) in decoding.enumerated() where encoding[value] == nil { encoding[value] = UInt8(byte) }
            self.encoding = encoding
        }

        var isSloppy: Bool { name.hasPrefix("sloppy") }

        func encode(_ text: [UInt32]) -> [UInt8]? {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.count)
            for value in text {
                guard let byte = encoding[value] else { return nil }
                bytes.append(byte)
            }
            return bytes
        }
    }

    /// `CHARMAP_ENCODINGS`, in the order ftfy tries them.
    static let charmaps: [Charmap] = zip(TextFixerTables.charmapNames, TextFixerTables.charmapTables).map {
        Charmap(name: $0.0, high: $0.1)
    }

    static var sloppyWindows1252: Charmap { charmaps[1] }

    /// `is_bad`: the badness heuristic finds at least one unlikely sequence.
    static func isBad(_ text: [UInt32]) -> Bool { TextFixerTables.badness.search(text) }

    /// `fix_encoding`: one step at a time until the text stops changing.
    static func fixEncoding(_ text: [UInt32]) -> [UInt32] {
        var text = text
        while true {
            let fixed = fixEncodingOneStep(text)
            if fixed == text { return fixed }
            text = fixed
        }
    }

    static func fixEncodingOneStep(_ text: [UInt32]) -> [UInt32] {
        if text.isEmpty || text.allSatisfy({ $0 < 0x80 }) || !isBad(text) { return text }
        var latin1IsPossible = false
        for (index, charmap) in charmaps.enumerated() {
            guard var bytes = charmap.encode(text) else { continue }
            if index == 0 { latin1IsPossible = true }
            if charmap.name != "macroman" && TextFixerTables.alteredUTF8.search(bytes.map(UInt32.init)) {
                bytes = restoreByteA0(bytes)
            }
            if charmap.isSloppy {
                bytes = TextFixerTables.lossyUTF8.substitute(bytes.map(UInt32.init)) { _ in [0xEF, 0xBF, 0xBD] }.map { UInt8($0) }
            }
            if let decoded = decodeUTF8Variants(bytes) { return decoded }
        }
        if detectorMatches(text) {
            let fixed = decodeInconsistentUTF8(text)
            if fixed != text { return fixed }
        }
        // ftfy checks for "windows-1252" among the possible encodings, a name it never adds (only
        // "sloppy-windows-1252"), so a Latin-1-encodable text is always retried as strict Windows-1252.
        if latin1IsPossible {
            var fixed: [UInt32] = []
            fixed.reserveCapacity(text.count)
            var decodes = true
            for value in text {
                if [0x81, 0x8D, 0x8F, 0x90, 0x9D].contains(value) { decodes = false; break }
                fixed.append(value >= 0x80 ? sloppyWindows1252.decoding[Int(value)] : value)
            }
            if decodes && fixed != text { return fixed }
        }
        if text.contains(where: { (0x80...0x9F).contains($0) }) { return fixC1Controls(text) }
        return text
    }

    /// `fix_c1_controls`: each U+0080...U+009F read as a Windows-1252 byte (sloppily: the five
    /// undefined bytes stay as they are).
    static func fixC1Controls(_ text: [UInt32]) -> [UInt32] {
        text.map { (0x80...0x9F).contains($0) ? sloppyWindows1252.decoding[Int($0)] : $0 }
    }

    /// `restore_byte_a0`: "\xc3 " becomes "\xc3\xa0 " unless a space or "quele", "quela", "quilo",
    /// "s " follows (Portuguese "à" before a word); then every space inside an `ALTERED_UTF8_RE` match
    /// becomes 0xA0.
    static func restoreByteA0(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var position = 0
        let exceptions: [[UInt8]] = [Array(" ".utf8), Array("quele".utf8), Array("quela".utf8), Array("quilo".utf8), Array("s ".utf8)]
        while position < bytes.count {
            if bytes[position] == 0xC3, position + 1 < bytes.count, bytes[position + 1] == 0x20 {
                let rest = bytes[(position + 2)...]
                if !exceptions.contains(where: { rest.starts(with: $0) }) {
                    output.append(contentsOf: [0xC3, 0xA0, 0x20])
                    position += 2
                    continue
                }
            }
            output.append(bytes[position])
            position += 1
        }
        return TextFixerTables.alteredUTF8.substitute(output.map(UInt32.init)) { match in
            match.map { $0 == 0x20 ? 0xA0 : $0 }
        }.map { UInt8($0) }
    }

    /// `decode_inconsistent_utf8`: every `UTF8_DETECTOR_RE` match that is shorter than the whole text
    /// and looks bad gets `fix_encoding` on its own.
    static func decodeInconsistentUTF8(_ text: [UInt32]) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            if let end = detectorMatchEnd(text, at: position) {
                let match = Array(text[position..<end])
                output.append(contentsOf: match.count < text.count && isBad(match) ? fixEncoding(match) : match)
                position = end
            } else {
                output.append(text[position])
                position += 1
            }
        }
        return output
    }

    static func detectorMatches(_ text: [UInt32]) -> Bool {
        text.indices.contains { detectorMatchEnd(text, at: $0) != nil }
    }

    /// `(?<![continuation_strict])(first_of_2 cont | first_of_3 cont{2} | first_of_4 cont{3})+` at
    /// `start`: the group's alternatives in order, repeated greedily (nothing follows, so no backtracking).
    static func detectorMatchEnd(_ text: [UInt32], at start: Int) -> Int? {
        if start > 0, case .set(let index) = TextFixerTables.utf8DetectorLookbehind,
           TextFixerTables.sets[index].contains(text[start - 1]) {
            return nil
        }
        var end = start
        while let length = TextFixerTables.utf8Detector.matchLength(in: text, at: end) { end += length }
        return end > start ? end : nil
    }

    /// Python's strict UTF-8 decoder, or ftfy's "utf-8-variants" when the bytes contain 0xED or 0xC0:
    /// that one also takes "\xc0\x80" as U+0000 and CESU-8 surrogate pairs as one supplementary
    /// character. Because its `SPECIAL_BYTES_RE` uses `$`, which also matches before a final "\n", a
    /// trailing "\xc0\n" decodes to U+0000 and a CESU-8 pair whose sixth byte is a final "\n" decodes.
    static func decodeUTF8Variants(_ bytes: [UInt8]) -> [UInt32]? {
        let variants = bytes.contains(0xED) || bytes.contains(0xC0)
        var output: [UInt32] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        let count = bytes.count
        func continuation(_ offset: Int) -> UInt32? {
            let index = position + offset
            guard index < count, bytes[index] & 0xC0 == 0x80 else { return nil }
            return UInt32(bytes[index] & 0x3F)
        }
        while position < count {
            let lead = bytes[position]
            if lead < 0x80 { output.append(UInt32(lead)); position += 1; continue }
            if variants && lead == 0xC0, position + 1 < count,
               bytes[position + 1] == 0x80 || (bytes[position + 1] == 0x0A && position + 2 == count) {
                output.append(0)
                position += 2
                continue
            }
            if variants && lead == 0xED, position + 5 < count,
               (0xA0...0xAF).contains(bytes[position + 1]), bytes[position + 2] & 0xC0 == 0x80,
               bytes[position + 3] == 0xED, (0xB0...0xBF).contains(bytes[position + 4]),
               bytes[position + 5] & 0xC0 == 0x80 || (bytes[position + 5] == 0x0A && position + 6 == count) {
                let value = (UInt32(bytes[position + 1] & 0x0F) << 16) + (UInt32(bytes[position + 2] & 0x3F) << 10)
                    + (UInt32(bytes[position + 4] & 0x0F) << 6) + UInt32(bytes[position + 5] & 0x3F) + 0x10000
                output.append(value)
                position += 6
                continue
            }
            switch lead {
            case 0xC2...0xDF:
                guard let c1 = continuation(1) else { return nil }
                output.append((UInt32(lead & 0x1F) << 6) | c1)
                position += 2
            case 0xE0...0xEF:
                guard let c1 = continuation(1), let c2 = continuation(2) else { return nil }
                let value = (UInt32(lead & 0x0F) << 12) | (c1 << 6) | c2
                guard value >= 0x800, !(0xD800...0xDFFF).contains(value) else { return nil }
                output.append(value)
                position += 3
            case 0xF0...0xF4:
                guard let c1 = continuation(1), let c2 = continuation(2), let c3 = continuation(3) else { return nil }
                let value = (UInt32(lead & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
                guard (0x10000...0x10FFFF).contains(value) else { return nil }
                output.append(value)
                position += 4
            default:
                return nil
            }
        }
        return output
    }
}
