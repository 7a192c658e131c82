// Several progress bars, one per stage of a pipeline, drawn as a block of lines on standard error and
// redrawn in place. A stage's total may grow while it runs (a later stage learns its work from an earlier one).
import Foundation

public final class StageBars: @unchecked Sendable {
    /// One stage's counts.
    public struct Row: Sendable, Equatable {
        public var name: String
        public var done: Int
        public var total: Int
        /// Shown after the counts (e.g. "2 rejected").
        public var note: String

        public init(name: String, done: Int, total: Int, note: String) {
            self.name = name
            self.done = done
            self.total = total
            self.note = note
        }
    }

    private let lock = NSLock()
    private var rows: [Row]
    private let enabled: Bool
    private let width = 24
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawnLines = 0

    /// - Parameters:
    ///   - stages: the row names, top to bottom.
    ///   - enabled: nil draws only when standard error is a terminal.
    public init(stages: [String], enabled: Bool? = nil) {
        rows = stages.map { Row(name: $0, done: 0, total: 0, note: "") }
        self.enabled = enabled ?? (isatty(STDERR_FILENO) == 1)
    }

    /// Adds to a stage's done and total counts (either may be 0); thread-safe. Unknown names are ignored.
    public func add(_ stage: String, done: Int = 0, total: Int = 0) {
        update(stage) {
            $0.done += done
            $0.total += total
        }
    }

    /// Sets the text shown after a stage's counts.
    public func note(_ stage: String, _ text: String) {
        update(stage) { $0.note = text }
    }

    /// The current counts, top to bottom.
    public var snapshot: [Row] {
        lock.lock()
        defer { lock.unlock() }
        return rows
    }

    /// Draws the final state and leaves the cursor below the block.
    public func finish() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        write(render(rows, elapsed: Date().timeIntervalSince(start)), movingUp: drawnLines)
        drawnLines = 0
    }

    /// The block of lines for `rows`: one per row, then the elapsed time, each ending in a newline.
    public func render(_ rows: [Row], elapsed: TimeInterval) -> String {
        let nameWidth = rows.map(\.name.count).max() ?? 0
        let countWidth = String(rows.map(\.total).max() ?? 0).count
        return rows.map { row in
            let fraction = row.total == 0 ? 0 : min(1, Double(row.done) / Double(row.total))
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let counts = String(repeating: " ", count: max(0, countWidth - String(row.done).count)) + "\(row.done)/\(row.total)"
            let name = row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            return "\(name) \(bar) \(counts)" + (row.note.isEmpty ? "" : "  \(row.note)")
        }.joined(separator: "\n") + String(format: "\n  elapsed %.1fs\n", elapsed)
    }

    private func update(_ stage: String, _ change: (inout Row) -> Void) {
        // Drawing under the lock keeps two threads' blocks from interleaving.
        lock.lock()
        defer { lock.unlock() }
        guard let index = rows.firstIndex(where: { $0.name == stage }) else { return }
        change(&rows[index])
        let now = Date()
        guard enabled, now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        write(render(rows, elapsed: now.timeIntervalSince(start)), movingUp: drawnLines)
        drawnLines = rows.count + 1
    }

    /// Writes `text` over the block drawn before (`up` lines above the cursor), clearing each line first.
    private func write(_ text: String, movingUp up: Int) {
        let cleared = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "\u{1B}[2K" + $0 }.joined(separator: "\n") + "\n"
        let prefix = up > 0 ? "\u{1B}[\(up)A\r" : ""
        FileHandle.standardError.write(Data((prefix + cleared).utf8))
    }
}
