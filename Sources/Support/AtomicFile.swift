// Files we write (checkpoints, manifests, tokenizers, outputs) are written atomically:
// a temporary file in the same directory, flushed, then renamed over the destination,
// so a crash never leaves a half-written file where a complete one is expected.
import Foundation

public enum AtomicFileError: Error, CustomStringConvertible, Equatable {
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case renameFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): return "cannot create a temporary file for \(path): \(reason)"
        case .writeFailed(let path, let reason): return "writing \(path) failed: \(reason)"
        case .renameFailed(let path, let reason): return "cannot move the finished file into place at \(path): \(reason)"
        }
    }
}

public enum AtomicFile {
    /// Writes `data` to `url` atomically (temporary file in the same directory, fsync, rename).
    public static func write(_ data: Data, to url: URL) throws(AtomicFileError) {
        try write(to: url) { handle in try handle.write(contentsOf: data) }
    }

    /// Streams content into a temporary file through `body`, then renames it to `url`.
    /// Use this for large outputs (checkpoints) that should not be held in memory at once.
    /// On any error the temporary file is removed and the destination is left untouched.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws(AtomicFileError) {
        let path = url.path
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw .cannotCreate(path: path, reason: "directory \(directory.path) missing or not writable")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .writeFailed(path: path, reason: "\(error)")
        }
        if rename(temporary.path, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .renameFailed(path: path, reason: reason)
        }
    }
}
