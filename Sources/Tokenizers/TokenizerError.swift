import Foundation

/// Everything that can go wrong while loading or running a tokenizer.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid JSON.
    case malformedJSON(path: String, reason: String)
    /// A file or folder could not be written.
    case unwritableFile(path: String, reason: String)
    /// A field is missing or has the wrong type; `field` is a JSON path such as `model.merges[3]`.
    case invalidField(path: String, field: String, reason: String)
    /// The file asks for a component this implementation does not have.
    case unsupported(path: String, field: String, what: String)
    /// A token or id that the vocabulary does not contain.
    case unknownToken(String)
    /// An id outside the vocabulary.
    case unknownID(Int)
    /// Bad arguments to a call (e.g. a negative maximum length).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read file: \(reason)"
        case let .malformedJSON(path, reason): return "\(path): not valid JSON: \(reason)"
        case let .unwritableFile(path, reason): return "\(path): cannot write: \(reason)"
        case let .invalidField(path, field, reason): return "\(path): field `\(field)`: \(reason)"
        case let .unsupported(path, field, what): return "\(path): field `\(field)`: unsupported \(what)"
        case let .unknownToken(token): return "token \(token.debugDescription) is not in the vocabulary"
        case let .unknownID(id): return "id \(id) is not in the vocabulary"
        case let .invalidArgument(message): return "invalid argument: \(message)"
        }
    }
}

/// A JSON value read with a path for error messages, so a bad field names itself.
struct JSONNode {
    let value: Any?
    let path: String
    let file: String

    static func load(_ url: URL) throws -> JSONNode {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try parse(data, name: url.path)
    }

    /// Parses JSON held in memory; `name` stands for the file in error messages.
    static func parse(_ data: Data, name: String) throws -> JSONNode {
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONNode(value: value, path: "", file: name)
        } catch {
            throw TokenizerError.malformedJSON(path: name, reason: error.localizedDescription)
        }
    }

    var isNull: Bool { value == nil || value is NSNull }

    subscript(key: String) -> JSONNode {
        let child = (value as? [String: Any])?[key]
        return JSONNode(value: child, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func fail(_ reason: String) -> TokenizerError {
        .invalidField(path: file, field: path.isEmpty ? "(root)" : path, reason: reason)
    }

    func unsupported(_ what: String) -> TokenizerError {
        .unsupported(path: file, field: path.isEmpty ? "(root)" : path, what: what)
    }

    func string() throws -> String {
        guard let string = value as? String else { throw fail(isNull ? "missing (expected a string)" : "expected a string") }
        return string
    }

    func optionalString() throws -> String? { isNull ? nil : try string() }

    func bool(default fallback: Bool) throws -> Bool {
        if isNull { return fallback }
        // JSONSerialization gives NSNumber for booleans; a string "true" is a type error.
        guard let number = value as? NSNumber else { throw fail("expected a boolean") }
        return number.boolValue
    }

    func int() throws -> Int {
        guard let number = value as? NSNumber else { throw fail(isNull ? "missing (expected an integer)" : "expected an integer") }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { throw fail("expected an integer, got \(double)") }
        return number.intValue
    }

    func double() throws -> Double {
        guard let number = value as? NSNumber else { throw fail(isNull ? "missing (expected a number)" : "expected a number") }
        return number.doubleValue
    }

    func array() throws -> [JSONNode] {
        guard let items = value as? [Any] else { throw fail(isNull ? "missing (expected an array)" : "expected an array") }
        return items.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    func object() throws -> [(key: String, node: JSONNode)] {
        guard let items = value as? [String: Any] else { throw fail(isNull ? "missing (expected an object)" : "expected an object") }
        return items.map { (key: $0.key, node: JSONNode(value: $0.value, path: path.isEmpty ? $0.key : "\(path).\($0.key)", file: file)) }
    }
}
