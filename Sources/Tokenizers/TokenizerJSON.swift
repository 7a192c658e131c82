// tokenizer.json is read by the Rust `tokenizers` library through serde_json, so it is parsed here with
// Support.StrictJSON (serde_json's rules: no byte-order mark, `24.0` is not an integer, nesting at most
// 127 deep) and each field is checked against the Rust type it has there: ids are `u32`, counts `usize`,
// flags `bool` (a `5` is not a flag).
import Foundation
import Support

/// A JSON value read with a path for error messages, so a bad field names itself.
struct JSONNode {
    /// nil when the field is absent (serde treats absent and `null` alike for optional fields).
    let value: StrictJSON?
    let path: String
    let file: String

    /// Reads a file through UserFile, so a named pipe or device is refused instead of blocking or streaming.
    static func load(_ url: URL) throws -> JSONNode {
        let data: Data
        do { data = try UserFile.read(url.path) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.reason)
        }
        return try parse(data, name: url.path)
    }

    /// Parses JSON held in memory; `name` stands for the file in error messages.
    static func parse(_ data: Data, name: String) throws -> JSONNode {
        do {
            return JSONNode(value: try StrictJSON.parse(data), path: "", file: name)
        } catch {
            throw TokenizerError.malformedJSON(path: name, reason: error.description)
        }
    }

    var isMissing: Bool { value == nil }
    var isNull: Bool { value == nil || value == .null }
    var isString: Bool { value?.stringValue != nil }

    /// The member named `key`; the last one when the key repeats, as serde_json's map readers take it.
    subscript(key: String) -> JSONNode {
        JSONNode(value: value?[key], path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func fail(_ reason: String) -> TokenizerError {
        .invalidField(path: file, field: path.isEmpty ? "(root)" : path, reason: reason)
    }

    func unsupported(_ what: String) -> TokenizerError {
        .unsupported(path: file, field: path.isEmpty ? "(root)" : path, what: what)
    }

    /// "missing (expected X)" or "expected X, found Y", in the words serde_json uses.
    private func mismatch(_ expected: String) -> TokenizerError {
        guard let value else { return fail("missing (expected \(expected))") }
        return fail("expected \(expected), found \(value.kindDescription)")
    }

    func string() throws -> String {
        guard let string = value?.stringValue else { throw mismatch("a string") }
        return string
    }

    func optionalString() throws -> String? { isNull ? nil : try string() }

    /// A `bool` field; absent or null gives `fallback`.
    func bool(default fallback: Bool) throws -> Bool {
        if isNull { return fallback }
        return try bool()
    }

    /// A `bool` field that must be present.
    func bool() throws -> Bool {
        guard let flag = value?.boolValue else { throw mismatch("a boolean") }
        return flag
    }

    /// A token id: `u32` in tokenizers, so an integer from 0 to 4,294,967,295 written without a fraction.
    func tokenID() throws -> Int {
        guard let id = value?.serdeInteger(UInt32.self) else { throw mismatch("a token id (an integer from 0 to \(UInt32.max))") }
        return Int(id)
    }

    /// A `usize` field (an index or a count): any integer from 0 up, larger ones saturating at `Int.max`.
    func count() throws -> Int {
        guard let count = value?.serdeInteger(UInt64.self) else { throw mismatch("a non-negative integer") }
        return Int(clamping: count)
    }

    /// An `f64` field: any number, integers included.
    func double() throws -> Double {
        guard let number = value?.doubleValue else { throw mismatch("a number") }
        return number
    }

    /// Throws when the object writes a field twice: serde's derived structs refuse that ("duplicate field"),
    /// while its maps and the components read through `serde_json::Value` keep the last value.
    func requireDistinctFields() throws {
        if let key = value?.firstDuplicateKey { throw self[key].fail("written twice") }
    }

    func array() throws -> [JSONNode] {
        guard let items = value?.arrayValue else { throw mismatch("an array") }
        return items.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// Members in file order, repeated keys included (callers that build maps let the last one win).
    func object() throws -> [(key: String, node: JSONNode)] {
        guard let members = value?.members else { throw mismatch("an object") }
        let prefix = path.isEmpty ? "" : path + "."
        return members.map { (key: $0.key, node: JSONNode(value: $0.value, path: prefix + $0.key, file: file)) }
    }
}

extension UserFileError {
    /// What went wrong, without the path (TokenizerError puts the path first itself).
    var reason: String {
        switch self {
        case .notFound: return "no such file"
        case .notRegularFile(_, let kind): return "not a regular file (\(kind))"
        case .tooLarge(_, let size, let limit): return "\(size) bytes, more than the \(limit)-byte limit"
        case .cannotRead(_, let reason): return reason
        }
    }
}
