// `POST /v1/answers`: the body streamed to disk under a size limit, the form checked field by field, the upload
// type-checked by decoding it, then moved under a server-made name.
import Foundation
import Hummingbird
import VideoIO

/// A checked submission, its input file already in the job's directory.
struct Submission {
    var question: String
    var inputKind: String
    var options: AnswerOptions
}

enum SubmissionReader {
    /// Fields the form may carry besides the file.
    static let knownFields: Set<String> = ["question", "futures", "seed", "steps", "temperature", "reference_frames"]

    /// Streams `request`'s body into `file`; throws 413 when it passes `limit` bytes (after reading on to a bounded
    /// amount so that the client sees the answer rather than a reset connection).
    static func receive(_ request: Request, into file: URL, limit: Int) async throws {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            try await drain(request, upTo: 64 << 20)
            throw tooLarge(limit)
        }
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: file) else {
            throw APIError(.internalServerError, "storage", "cannot create an upload file in the data directory")
        }
        defer { try? handle.close() }
        var received = 0
        var over = false
        for try await buffer in request.body {
            received += buffer.readableBytes
            if received > limit { over = true }
            if over {
                if received > limit + (64 << 20) { break }
                continue
            }
            try handle.write(contentsOf: Data(buffer.readableBytesView))
        }
        if over { throw tooLarge(limit) }
    }

    private static func drain(_ request: Request, upTo cap: Int) async throws {
        var received = 0
        for try await buffer in request.body {
            received += buffer.readableBytes
            if received > cap { break }
        }
    }

    private static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "too_large", "the upload exceeds the server's limit of \(limit) bytes (--max-upload-mb)")
    }

    /// Checks the form and writes its file to `directory/input`; returns the submission.
    static func read(bodyFile: URL, contentType: String?, into directory: URL) async throws -> Submission {
        guard let contentType, let boundary = MultipartForm.boundary(contentType: contentType) else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "POST /v1/answers takes multipart/form-data (a 'video' or 'image' file and a 'question')")
        }
        let form: MultipartForm
        do { form = try MultipartForm(file: bodyFile, boundary: boundary) } catch {
            throw APIError(.badRequest, "bad_multipart", "\(error)")
        }
        var question: String?
        var options = AnswerOptions()
        var file: FormPart?
        var kind = "video"
        for part in form.parts {
            switch part.name {
            case "video", "image":
                guard file == nil else { throw APIError(.badRequest, "bad_field", "give one file, as 'video' or 'image', not several") }
                guard part.filename != nil else { throw APIError(.badRequest, "bad_field", "'\(part.name)' must be a file part (with a filename)") }
                file = part
                kind = part.name
            case "question":
                question = form.text(part).trimmingCharacters(in: .whitespacesAndNewlines)
            case "futures":
                options.futures = try integer(form.text(part), field: "futures", in: 1...8)
            case "seed":
                guard let seed = UInt64(form.text(part).trimmingCharacters(in: .whitespaces)) else {
                    throw APIError(.badRequest, "bad_field", "'seed' must be a non-negative integer, got '\(form.text(part).prefix(40))'")
                }
                options.seed = seed
            case "steps":
                options.steps = try integer(form.text(part), field: "steps", in: 1...1000)
            case "temperature":
                guard let value = Float(form.text(part).trimmingCharacters(in: .whitespaces)), value >= 0, value <= 5 else {
                    throw APIError(.badRequest, "bad_field", "'temperature' must be a number in 0...5, got '\(form.text(part).prefix(40))'")
                }
                options.temperature = value
            case "reference_frames":
                switch form.text(part).trimmingCharacters(in: .whitespaces).lowercased() {
                case "true", "1", "on", "yes": options.referenceFrames = true
                case "false", "0", "off", "no": options.referenceFrames = false
                default: throw APIError(.badRequest, "bad_field", "'reference_frames' must be true or false")
                }
            default:
                throw APIError(.badRequest, "unknown_field", "unknown form field '\(part.name.prefix(60))' (known: video, image, \(knownFields.sorted().joined(separator: ", ")))")
            }
        }
        guard let question, !question.isEmpty else { throw APIError(.badRequest, "missing_field", "the form has no 'question' (or it is empty)") }
        guard question.count <= 4000 else { throw APIError(.badRequest, "bad_field", "the question is longer than 4000 characters") }
        guard let file else { throw APIError(.badRequest, "missing_field", "the form has no 'video' or 'image' file") }
        if let name = file.filename, !isPlainFileName(name) {
            throw APIError(.badRequest, "bad_filename", "the file name '\(name.prefix(80))' is not a plain name (no directories, '..' or control characters)")
        }
        guard !file.range.isEmpty else { throw APIError(.badRequest, "empty_file", "the uploaded '\(kind)' file is empty (0 bytes)") }

        let input = directory.appendingPathComponent("input")
        do { try form.body[file.range].write(to: input) } catch {
            throw APIError(.internalServerError, "storage", "cannot store the upload in the data directory")
        }
        try await checkDecodes(input, kind: kind)
        return Submission(question: question, inputKind: kind, options: options)
    }

    private static func integer(_ text: String, field: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw APIError(.badRequest, "bad_field", "'\(field)' must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text.prefix(40))'")
        }
        return value
    }

    /// A client file name is only ever shown, never used as a path; still, one that tries to name a directory
    /// is refused so that the client learns it.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255 && !name.contains("/") && !name.contains("\\") && name != "." && !name.contains("..")
            && !name.unicodeScalars.contains { $0.value < 32 || $0.value == 127 }
    }

    /// Decodes the first frame off the request's task (FFmpeg blocks); a failure is 415 with the decoder's reason,
    /// the server's path replaced by "the upload".
    static func checkDecodes(_ file: URL, kind: String) async throws {
        let path = file.path
        let failure: String? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let decoder = try VideoDecoder(path: path, threads: 1)
                    try decoder.forEachFrame { _ in false }
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: "\(error)".replacingOccurrences(of: path, with: "the upload"))
                }
            }
        }
        if let failure {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "the '\(kind)' file does not decode as a \(kind): \(failure)")
        }
    }
}
