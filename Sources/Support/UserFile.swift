// Reading files that strangers hand us (checkpoints, configs, tokenizer files, manifests, text inputs).
// A plain `open(path, O_RDONLY)` blocks forever on a named pipe with no writer, and Foundation's
// `Data(contentsOf:)` reports /dev/zero or a FIFO as "You don't have permission". So: `stat` first and
// refuse anything that is not a regular file, naming what it is; then open with O_NONBLOCK (a FIFO
// swapped in after the `stat` cannot block us either) and check the opened descriptor again with `fstat`.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a user-supplied file could not be read. Every case names the path.
public enum UserFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing exists at the path.
    case notFound(path: String)
    /// The path exists but is a directory, named pipe, device or socket.
    case notRegularFile(path: String, kind: String)
    /// The file is larger than the caller allows.
    case tooLarge(path: String, size: Int, limit: Int)
    /// The operating system refused (permission, I/O error, …).
    case cannotRead(path: String, reason: String)

    /// The path at fault.
    public var path: String {
        switch self {
        case .notFound(let path), .notRegularFile(let path, _), .tooLarge(let path, _, _), .cannotRead(let path, _): return path
        }
    }

    /// What is wrong, without the path (for errors of other targets that add the path themselves).
    public var reason: String {
        switch self {
        case .notFound: return "no such file"
        case .notRegularFile(_, let kind): return "not a regular file (\(kind))"
        case .tooLarge(_, let size, let limit): return "file is \(size) bytes, more than the \(limit)-byte limit"
        case .cannotRead(_, let reason): return reason
        }
    }

    public var description: String { "\(path): \(reason)" }
}

/// Safe reads of user-supplied files: only regular files are opened, and opening never blocks.
public enum UserFile {
    /// Throws unless `path` names a regular file (symbolic links followed). For paths handed to other
    /// libraries (FFmpeg) that open the file themselves.
    public static func checkRegularFile(_ path: String) throws(UserFileError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure(path, errno) }
        try requireRegular(status, path: path)
    }

    /// The whole file. `limit` bounds its size in bytes (nil: no bound).
    public static func read(_ path: String, limit: Int? = nil) throws(UserFileError) -> Data {
        let descriptor = try openRegular(path)
        defer { close(descriptor.handle) }
        if let limit, descriptor.size > limit { throw .tooLarge(path: path, size: descriptor.size, limit: limit) }
        // Read to end of file rather than to the size `fstat` gave: a file that shrank gives a short result,
        // never garbage, and one that grew (or reports size 0, as files in /proc do) is read whole.
        var data = Data(count: Swift.max(descriptor.size, 0) + 1)
        var filled = 0
        while true {
            if filled == data.count { data.count += Swift.max(data.count, 65_536) }
            let got = data.withUnsafeMutableBytes { buffer in
                readSystemCall(descriptor.handle, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure(path, errno)
            }
            if got == 0 { break }
            filled += got
            if let limit, filled > limit { throw .tooLarge(path: path, size: filled, limit: limit) }
        }
        data.count = filled
        return data
    }

    /// The whole file decoded as UTF-8 (invalid sequences become U+FFFD, as `String(decoding:)` does).
    public static func readText(_ path: String, limit: Int? = nil) throws(UserFileError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// The file mapped read-only into memory, for large files read lazily (checkpoints).
    public static func map(_ path: String) throws(UserFileError) -> MappedUserFile {
        let descriptor = try openRegular(path)
        defer { close(descriptor.handle) }
        guard descriptor.size > 0 else { return MappedUserFile(path: path, base: nil, count: 0) }
        guard let base = mmap(nil, descriptor.size, PROT_READ, MAP_PRIVATE, descriptor.handle, 0), base != MAP_FAILED else {
            throw .cannotRead(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        return MappedUserFile(path: path, base: UnsafeRawPointer(base), count: descriptor.size)
    }

    /// An open descriptor of a regular file, with its size; the caller closes it.
    private static func openRegular(_ path: String) throws(UserFileError) -> (handle: Int32, size: Int) {
        try checkRegularFile(path)
        let handle = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard handle >= 0 else { throw failure(path, errno) }
        var status = stat()
        guard fstat(handle, &status) == 0 else {
            let code = errno
            close(handle)
            throw failure(path, code)
        }
        do { try requireRegular(status, path: path) } catch {
            close(handle)
            throw error
        }
        // Regular files ignore O_NONBLOCK, but clear it so later reads behave as ordinary blocking reads.
        _ = fcntl(handle, F_SETFL, fcntl(handle, F_GETFL) & ~O_NONBLOCK)
        return (handle, Int(status.st_size))
    }

    private static func requireRegular(_ status: stat, path: String) throws(UserFileError) {
        let kind: String
        switch status.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: kind = "directory"
        case S_IFIFO: kind = "named pipe"
        case S_IFCHR: kind = "character device"
        case S_IFBLK: kind = "block device"
        case S_IFSOCK: kind = "socket"
        default: kind = "unknown file type"
        }
        throw .notRegularFile(path: path, kind: kind)
    }

    private static func failure(_ path: String, _ code: Int32) -> UserFileError {
        code == ENOENT || code == ENOTDIR ? .notFound(path: path) : .cannotRead(path: path, reason: String(cString: strerror(code)))
    }
}

/// `read(2)`, under a name that `UserFile.read` does not shadow.
private func readSystemCall(_ handle: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(handle, buffer, count)
}

/// A read-only memory mapping of a user file; unmapped when released.
public final class MappedUserFile: @unchecked Sendable {
    // Safe to share: the mapping is read-only (PROT_READ) and never changes after init.

    /// The file that was mapped.
    public let path: String
    /// The mapped bytes (empty for an empty file).
    public let bytes: UnsafeRawBufferPointer

    init(path: String, base: UnsafeRawPointer?, count: Int) {
        self.path = path
        bytes = UnsafeRawBufferPointer(start: base, count: count)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
