// A one-line progress bar for long work, drawn on standard error so that standard
// output stays clean for `--json`. It draws only when standard error is a terminal
// (or when forced), and redraws at most ten times a second.
import Foundation

public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let width = 30
    private let lock = NSLock()
    private var completed = 0
    private var lastDraw = Date.distantPast
    private let start = Date()

    /// - Parameters:
    ///   - total: number of units of work.
    ///   - label: shown before the bar.
    ///   - enabled: nil draws only when standard error is a terminal.
    public init(total: Int, label: String, enabled: Bool? = nil) {
        self.total = max(total, 0)
        self.label = label
        self.enabled = enabled ?? (isatty(STDERR_FILENO) == 1)
    }

    /// Marks `count` more units as done; thread-safe.
    public func advance(by count: Int = 1) {
        lock.lock()
        completed = min(completed + count, total)
        let now = Date()
        let shouldDraw = enabled && (completed == total || now.timeIntervalSince(lastDraw) > 0.1)
        if shouldDraw { lastDraw = now }
        let done = completed
        lock.unlock()
        if shouldDraw { draw(done) }
    }

    /// Ends the line the bar was drawn on.
    public func finish() {
        guard enabled else { return }
        lock.lock(); let done = completed; lock.unlock()
        draw(done)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ done: Int) {
        let fraction = total == 0 ? 1.0 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.0f%%  elapsed %.1fs  eta %.1fs ", label, bar, done, total, fraction * 100, elapsed, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
