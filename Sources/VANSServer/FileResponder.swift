// Serving stored files with HTTP range requests (RFC 9110 §14), so that browsers can seek in the videos.
import Foundation
import Hummingbird

enum FileResponder {
    /// The byte range a `Range` header asks of a file of `size` bytes: nil for no (or an ignorable) header,
    /// throws 416 when unsatisfiable. Only single ranges are served; a multi-range request gets the whole file.
    static func range(header: String?, size: Int) throws -> ClosedRange<Int>? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(",") else { return nil }
        let pieces = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count == 2 else { return nil }
        let unsatisfiable = APIError(.rangeNotSatisfiable, "range_not_satisfiable", "the range '\(header.prefix(60))' is outside the file's \(size) bytes",
                                     headers: [.contentRange: "bytes */\(size)"])
        if pieces[0].isEmpty {
            // A suffix: the last n bytes.
            guard let count = Int(pieces[1]) else { return nil }
            guard count > 0, size > 0 else { throw unsatisfiable }
            return max(size - count, 0)...(size - 1)
        }
        guard let start = Int(pieces[0]), start >= 0 else { return nil }
        guard start < size else { throw unsatisfiable }
        if pieces[1].isEmpty { return start...(size - 1) }
        guard let end = Int(pieces[1]), end >= start else { return nil }
        return start...min(end, size - 1)
    }

    /// The file (or the requested range of it), streamed in 64 KiB chunks.
    static func respond(file: URL, contentType: String, request: Request) throws -> Response {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw APIError(.notFound, "not_found", "the file is missing from the data directory")
        }
        let range = try range(header: request.headers[.range], size: size)
        let span = range ?? 0...(max(size, 1) - 1)
        let length = size == 0 ? 0 : span.count
        var headers: HTTPFields = [.contentType: contentType, .acceptRanges: "bytes", .contentLength: "\(length)"]
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        let path = file.path
        let body = ResponseBody(contentLength: length) { writer in
            guard length > 0, let handle = FileHandle(forReadingAtPath: path) else { try await writer.finish(nil); return }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(span.lowerBound))
            var remaining = length
            while remaining > 0 {
                let chunk = try handle.read(upToCount: min(remaining, 65_536)) ?? Data()
                if chunk.isEmpty { break }
                remaining -= chunk.count
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    /// A content type from the file's first bytes (inputs are stored without an extension).
    static func sniffContentType(_ file: URL) -> String {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { return "application/octet-stream" }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 12)) ?? Data())
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8]) { return "image/jpeg" }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "video/webm" }
        if head.count >= 12, head[4...7].elementsEqual(Array("ftyp".utf8)) {
            return String(decoding: head[8...11], as: UTF8.self).hasPrefix("qt") ? "video/quicktime" : "video/mp4"
        }
        return "application/octet-stream"
    }
}
