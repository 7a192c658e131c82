// A multipart/form-data reader (RFC 7578) over a request body already streamed to disk, memory-mapped so that a
// large upload is never copied into memory whole.
import Foundation

/// One part of a form: a text field or a file (its bytes as a range of the body file).
struct FormPart {
    var name: String
    /// The client's file name, when the part is a file (never used as a path).
    var filename: String?
    var contentType: String?
    var range: Range<Int>
}

/// Errors in the form's framing, naming the part concerned.
enum MultipartError: Error, CustomStringConvertible {
    case missingBoundary
    case malformed(String)

    var description: String {
        switch self {
        case .missingBoundary: "the Content-Type has no multipart boundary"
        case .malformed(let reason): "malformed multipart body: \(reason)"
        }
    }
}

/// The parts of a multipart body stored in a file.
struct MultipartForm {
    let body: Data
    let parts: [FormPart]

    /// The boundary parameter of a `multipart/form-data; boundary=...` content type, or nil.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let kind = pieces.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = String(piece.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    init(file: URL, boundary: String) throws {
        body = try Data(contentsOf: file, options: .alwaysMapped)
        let delimiter = Data("--\(boundary)".utf8)
        let separator = Data("\r\n--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard let first = body.range(of: delimiter) else { throw MultipartError.malformed("the boundary never occurs") }
        var parts: [FormPart] = []
        var cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            guard cursor + 2 <= body.count else { throw MultipartError.malformed("the body ends without a closing boundary") }
            if body[cursor] == UInt8(ascii: "-") && body[cursor + 1] == UInt8(ascii: "-") { break }
            guard body[cursor] == 13, body[cursor + 1] == 10 else { throw MultipartError.malformed("a boundary is not followed by a line break") }
            let headerStart = cursor + 2
            guard let headersEnd = body.range(of: headerEnd, in: headerStart..<body.count) else {
                throw MultipartError.malformed("a part's headers never end")
            }
            guard headersEnd.lowerBound - headerStart <= 16_384 else { throw MultipartError.malformed("a part's headers exceed 16 KiB") }
            let headerText = String(decoding: body[headerStart..<headersEnd.lowerBound], as: UTF8.self)
            guard let next = body.range(of: separator, in: headersEnd.upperBound..<body.count) else {
                throw MultipartError.malformed("a part is not closed by a boundary")
            }
            parts.append(try Self.part(headers: headerText, range: headersEnd.upperBound..<next.lowerBound))
            cursor = next.upperBound
        }
        self.parts = parts
    }

    private static func part(headers: String, range: Range<Int>) throws -> FormPart {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "content-type" { contentType = value }
            if key == "content-disposition" {
                let parameters = dispositionParameters(value)
                name = parameters["name"]
                filename = parameters["filename"]
            }
        }
        guard let name, !name.isEmpty else { throw MultipartError.malformed("a part has no Content-Disposition name") }
        return FormPart(name: name, filename: filename, contentType: contentType, range: range)
    }

    /// `form-data; name="a"; filename="b.mp4"` → ["name": "a", "filename": "b.mp4"] (quoted values may hold ';').
    static func dispositionParameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var index = value.startIndex
        func skipSpaces() { while index < value.endIndex, value[index] == " " || value[index] == ";" { index = value.index(after: index) } }
        // Skip the disposition type.
        while index < value.endIndex, value[index] != ";" { index = value.index(after: index) }
        while index < value.endIndex {
            skipSpaces()
            var key = ""
            while index < value.endIndex, value[index] != "=", value[index] != ";" { key.append(value[index]); index = value.index(after: index) }
            guard index < value.endIndex, value[index] == "=" else { continue }
            index = value.index(after: index)
            var text = ""
            if index < value.endIndex, value[index] == "\"" {
                index = value.index(after: index)
                while index < value.endIndex, value[index] != "\"" {
                    if value[index] == "\\", value.index(after: index) < value.endIndex { index = value.index(after: index) }
                    text.append(value[index])
                    index = value.index(after: index)
                }
                if index < value.endIndex { index = value.index(after: index) }
            } else {
                while index < value.endIndex, value[index] != ";" { text.append(value[index]); index = value.index(after: index) }
            }
            result[key.trimmingCharacters(in: .whitespaces).lowercased()] = text
        }
        return result
    }

    /// The UTF-8 text of a part.
    func text(_ part: FormPart) -> String { String(decoding: body[part.range], as: UTF8.self) }
}
