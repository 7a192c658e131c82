// The job store of `vans serve`: one SQLite table (GRDB) in the data directory, so accepted jobs outlive the process.
import Foundation
import GRDB

/// A job's life: queued → running → succeeded | failed. Running jobs found at start-up go back to queued.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed
}

/// What the client asked for besides the question.
public struct AnswerOptions: Codable, Sendable, Equatable {
    /// Answers (futures) to sample and render.
    public var futures: Int = 1
    public var seed: UInt64 = 0
    /// Denoising steps; nil: the renderer's default.
    public var steps: Int?
    /// Sampling temperature of the reasoner; nil: 0 for one future, 1 for several.
    public var temperature: Float?
    /// Whether the renderer conditions on frames of the input.
    public var referenceFrames: Bool = true

    public init() {}
}

/// One stage's latest progress, as stored and served.
public struct StageProgressRecord: Codable, Sendable, Equatable {
    public var stage: String
    public var done: Int
    public var total: Int
}

/// One rendered future of a finished job.
public struct AnswerResult: Codable, Sendable, Equatable {
    public var reasoning: String
    public var caption: String
    public var text: String
    public var followsFormat: Bool
    /// The MP4's file name inside the job's directory (server-made).
    public var videoFile: String
    public var frames: Int
    public var fps: Double
}

/// One row of the `job` table.
public struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job"
    public var id: String
    public var status: JobStatus
    public var question: String
    /// "video" or "image".
    public var inputKind: String
    /// The input's file name inside the job's directory (server-made).
    public var inputFile: String
    public var options: AnswerOptions
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    /// Per-stage progress in the order the stages started.
    public var progress: [StageProgressRecord]
    public var answers: [AnswerResult]
    /// Seconds per stage (wall time measured by the worker).
    public var timings: [String: Double]
    public var error: String?
    /// How many times a worker started this job (more than 1 after a restart re-queued it).
    public var attempts: Int
}

/// A server database (jobs.sqlite, ratings.sqlite) that could not be opened, naming the file.
public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the database (\(reason))"
        }
    }
}

/// Opens the SQLite file at `path` (waiting up to 5 s on a busy lock) and brings its schema to version 1.
func openDatabase(path: String, schema: @escaping @Sendable (Database) throws -> Void) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(5)
    let database = try DatabaseQueue(path: path, configuration: configuration)
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1", migrate: schema)
    try migrator.migrate(database)
    return database
}

/// The SQLite job table. Thread-safe (GRDB serialises access), so handlers and the worker thread share one.
public final class JobStore: Sendable {
    public let path: String
    private let database: DatabaseQueue

    /// Opens (creating when missing) `jobs.sqlite` in `directory` and puts jobs that were running back in the queue.
    public init(directory: URL) throws {
        path = directory.appendingPathComponent("jobs.sqlite").path
        do {
            database = try openDatabase(path: path) { db in
                try db.create(table: JobRecord.databaseTableName) { table in
                    table.column("id", .text).primaryKey()
                    table.column("status", .text).notNull().indexed()
                    table.column("question", .text).notNull()
                    table.column("inputKind", .text).notNull()
                    table.column("inputFile", .text).notNull()
                    table.column("options", .text).notNull()
                    table.column("createdAt", .double).notNull()
                    table.column("startedAt", .double)
                    table.column("finishedAt", .double)
                    table.column("progress", .text).notNull()
                    table.column("answers", .text).notNull()
                    table.column("timings", .text).notNull()
                    table.column("error", .text)
                    table.column("attempts", .integer).notNull()
                }
            }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Running jobs (the process died or was stopped mid-job) back to queued; returns their ids.
    @discardableResult
    public func requeueInterrupted() throws -> [String] {
        try database.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM job WHERE status = 'running' ORDER BY rowid")
            try db.execute(sql: "UPDATE job SET status = 'queued', startedAt = NULL, progress = '[]' WHERE status = 'running'")
            return ids
        }
    }

    /// Queued job ids, oldest first.
    public func queuedIDs() throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT id FROM job WHERE status = 'queued' ORDER BY rowid") }
    }

    public func insert(_ job: JobRecord) throws {
        try database.write { db in try job.insert(db) }
    }

    public func job(id: String) throws -> JobRecord? {
        try database.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    /// Jobs newest first, at most `limit`.
    public func list(limit: Int) throws -> [JobRecord] {
        try database.read { db in
            try JobRecord.fetchAll(db, sql: "SELECT * FROM job ORDER BY rowid DESC LIMIT ?", arguments: [limit])
        }
    }

    /// Applies `change` to the stored job (read-modify-write in one transaction); nil when the job is gone.
    @discardableResult
    public func update(id: String, _ change: (inout JobRecord) -> Void) throws -> JobRecord? {
        try database.write { db in
            guard var job = try JobRecord.fetchOne(db, key: id) else { return nil }
            change(&job)
            try job.update(db)
            return job
        }
    }

    /// Deletes the job's row; false when there was none.
    public func delete(id: String) throws -> Bool {
        try database.write { db in try JobRecord.deleteOne(db, key: id) }
    }

    /// Job counts by status (every status present, 0 when none).
    public func counts() throws -> [JobStatus: Int] {
        let rows = try database.read { db in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") }
        var result = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0, 0) })
        for row in rows {
            let name: String = row["status"]
            let count: Int = row["n"]
            if let status = JobStatus(rawValue: name) { result[status] = count }
        }
        return result
    }
}
