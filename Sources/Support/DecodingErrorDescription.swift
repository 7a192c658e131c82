// One wording for JSON decoding failures in every file format we read (model configs, render profiles, manifests,
// curation sources), so an error always names the key in the same way.
import Foundation

extension DecodingError {
    /// The dotted key path ("(document)" for the whole file) and a plain-words reason.
    public var keyPathAndReason: (key: String, reason: String) {
        switch self {
        case .typeMismatch(let type, let context):
            return (Self.path(context.codingPath), "expected a value of type \(type)")
        case .valueNotFound(let type, let context):
            return (Self.path(context.codingPath), "expected a value of type \(type), found null")
        case .keyNotFound(let key, let context):
            return (Self.path(context.codingPath + [key]), "required key is missing")
        case .dataCorrupted(let context):
            let detail = context.underlyingError.map { " (\($0))" } ?? ""
            return (Self.path(context.codingPath), "\(context.debugDescription)\(detail)")
        @unknown default:
            return ("(document)", "\(self)")
        }
    }

    /// One line for a user: "missing key 'a.b'", "key 'a' has the wrong type (expected Int)", "key 'a' is null
    /// (expected String)", "key 'a': …", or "invalid JSON: …" when the document itself does not parse.
    public var plainDescription: String {
        switch self {
        case .keyNotFound(let key, let context):
            return "missing key '\(Self.path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "key '\(Self.path(context.codingPath))' has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "key '\(Self.path(context.codingPath))' is null (expected \(type))"
        case .dataCorrupted(let context):
            let reason = keyPathAndReason.reason
            return context.codingPath.isEmpty ? "invalid JSON: \(reason)" : "key '\(Self.path(context.codingPath))': \(reason)"
        @unknown default:
            return "\(self)"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "(document)" : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
