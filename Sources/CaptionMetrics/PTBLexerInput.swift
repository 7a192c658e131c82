// Mirrors how Stanford CoreNLP 3.4.1's PTBLexer reads its input: entities, folded characters, untokenizable ones.

extension PTBLexer {
    /// Decodes entities, folds the characters the Java lexer normalises and drops the ones it cannot tokenize.
    static func prepare(_ text: String) -> ([Unicode.Scalar], [Unicode.Scalar], [Int: String]) {
        let input = Array(text.unicodeScalars)
        var scalars: [Unicode.Scalar] = [], raw: [Unicode.Scalar] = [], literals: [Int: String] = [:]
        scalars.reserveCapacity(input.count)
        raw.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let scalar = input[index]
            index += 1
            if scalar == "&", let (length, decoded) = entity(input, at: index - 1) {
                index += length - 1
                if let decoded {
                    // Links spell every entity as written (the Java lexer reads their characters), words &apos;.
                    literals[scalars.count] = String(String.UnicodeScalarView(input[(index - length)..<index]))
                    scalars.append(decoded)
                    raw.append(decoded)
                } else {
                    let literal = String(String.UnicodeScalarView(input[(index - length)..<index]))
                    let mark = literal.hasSuffix("acute;") || literal.hasSuffix("grave;") || literal.hasSuffix("uml;")
                        ? letterMark : literalMark  // &eacute; is a letter inside words
                    literals[scalars.count] = literal
                    scalars.append(mark)
                    raw.append(mark)
                }
                continue
            }
            let folded: Unicode.Scalar
            switch scalar.value {
            case 0x2019: folded = "'"  // read as an apostrophe, spelled as written
            case 0x2010, 0x2011: folded = "-"  // hyphens join words like "-" and vanish alone
            case 0x20AC, 0xA4, 0x20A0: folded = "$"
            case 0x10000..., 0x200B...0x200D, 0x2060, 0xFEFF, 0x2012, 0x2043, 0xFE58, 0xFE63, 0x20A1...0x20A3,
                 0x20A5...0x20AB, 0x20AD...0x20CF:
                folded = " "  // untokenizable for the Java lexer: dropped
            default: folded = isSpace(scalar) ? " " : scalar
            }
            scalars.append(folded)
            raw.append(folded == "'" || folded == "-" || folded == "$" ? scalar : folded)
        }
        return (scalars, raw, literals)
    }

    /// An HTML entity at `index`: its length and the scalar it decodes to, or nil for a token of its own.
    private static func entity(_ input: [Unicode.Scalar], at index: Int) -> (Int, Unicode.Scalar?)? {
        var end = index + 1
        while end < input.count, end - index <= 8, input[end] != ";", input[end].isASCII,
              input[end].properties.isAlphabetic || ("0"..."9").contains(input[end]) || input[end] == "#" {
            end += 1
        }
        guard end < input.count, input[end] == ";", end > index + 1 else { return nil }
        let name = String(String.UnicodeScalarView(input[(index + 1)..<end])).lowercased()
        let length = end + 1 - index
        switch name {
        case "amp": return (length, "&")
        case "lt": return (length, "\u{E002}")  // spelled < and >, but never part of a tag, smiley or "<<"
        case "gt": return (length, "\u{E003}")
        case "quot": return (length, "\"")
        case "apos": return (length, "'")
        case "nbsp": return (length, " ")
        case "mdash", "ndash", "md": return (length, "\u{2014}")
        case "ht", "tl", "ur", "lr", "qc", "ql", "qr", "odq", "cdq": return (length, nil)
        default: break
        }
        if name.count >= 2, name.hasPrefix("#"), name.dropFirst().allSatisfy(\.isNumber) { return (length, nil) }
        if name.count >= 4, "aeiou".contains(name.first!), ["acute", "grave", "uml"].contains(String(name.dropFirst())) {
            return (length, nil)
        }
        return nil
    }
}
