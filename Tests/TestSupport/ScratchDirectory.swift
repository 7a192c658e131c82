import Foundation

/// Where tests write: one folder per test process under the system's temporary directory, removed when the process
/// exits. Tests made their own folders there and most never removed them; a `make test` run left about 300 MB
/// behind (trained pipelines, videos), which filled /tmp over repeated runs.
public enum ScratchDirectory {
    /// The process's folder, created on first use (with the exit hook that removes it).
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vans-tests-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { ScratchDirectory.removeRoot() }
        return url
    }()

    private static func removeRoot() {
        try? FileManager.default.removeItem(at: root)
    }
}
