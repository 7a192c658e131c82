// Mirrors serde_json's string escaping, which Rust-written files we must reproduce byte for byte use
// (safetensors headers, tokenizers' tokenizer.json).

/// JSON text as serde_json writes it.
public enum SerdeJSON {
    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`-style or `\u00xx` escapes,
    /// everything else (non-ASCII included, and `/`) verbatim.
    public static func string(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
