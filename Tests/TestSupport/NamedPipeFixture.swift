// Named pipes for tests of "refuse anything that is not a regular file". A reader that regresses to a
// plain blocking `open`/`read` would hang the whole test run, so a watchdog opens and closes the write
// end after a deadline: that releases a blocked `open` and then gives the blocked `read` end of file.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary directory with a named pipe inside, removed when released.
public final class NamedPipeFixture: Sendable {
    /// The temporary directory holding the pipe.
    public let directory: URL
    /// The named pipe.
    public let url: URL
    public var path: String { url.path }

    /// Creates `name` as a named pipe in a fresh temporary directory.
    public init(name: String = "pipe") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vans-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent(name)
        guard mkfifo(url.path, 0o600) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Runs `body`, unblocking any reader of the pipe after `seconds` so a regression fails instead of hanging.
    /// Returns `body`'s result and whether it ran past the deadline.
    public func withWatchdog<Result>(seconds: Double = 2, _ body: () throws -> Result) rethrows -> (result: Result, timedOut: Bool) {
        let finished = ManagedFlag()
        let fired = ManagedFlag()
        let path = self.path
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            guard !finished.value else { return }
            fired.value = true
            // O_RDWR never blocks on a FIFO (Linux); closing it again leaves a blocked reader at end of file.
            let writer = open(path, O_RDWR | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        defer { finished.value = true }
        let result = try body()
        return (result, fired.value)
    }
}

/// A Bool shared between the test and its watchdog.
final class ManagedFlag: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
