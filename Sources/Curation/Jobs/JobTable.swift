// The job table: every unit of work (video → shots → clips → QA → sample) with its state and result, in
// SQLite (GRDB, `jobs.sqlite` in the output directory). A rerun reads finished units back instead of
// redoing them; a unit is written only after its files are, so a kill -9 loses at most unfinished units.
import Foundation
import GRDB

/// The state of one unit.
public enum UnitState: String, Sendable, Codable {
    case done, rejected, failed
}

/// One row of the job table.
public struct UnitRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "units"
    /// `source/video[/stage/index]`, deterministic, so reruns find their units.
    public var id: String
    /// `source/video`.
    public var video: String
    /// video, shots, clip, qa or sample.
    public var stage: String
    public var state: UnitState
    /// The unit's JSON result (shots, clip, QA, sample), when done.
    public var result: String?
    /// Why it was rejected or failed.
    public var reason: String?
    public var attempts: Int

    public init(id: String, video: String, stage: String, state: UnitState, result: String?, reason: String?, attempts: Int) {
        self.id = id
        self.video = video
        self.stage = stage
        self.state = state
        self.result = result
        self.reason = reason
        self.attempts = attempts
    }
}

extension UnitState: DatabaseValueConvertible {}

/// Where the units are recorded: SQLite (`JobTable`) on one machine, PostgreSQL (`PostgresJobStore`) across many.
public protocol JobStore: Sendable {
    func unit(_ id: String) async throws -> UnitRecord?
    /// Inserts or replaces a unit; `attempts` counts up from the stored row.
    func record(_ unit: UnitRecord) async throws
    /// Every unit of `stage` (all stages when nil), ordered by id.
    func units(stage: String?) async throws -> [UnitRecord]
    /// Runs `body` (read the finished samples, write the manifest) while no other process sharing this table runs
    /// its own: each rewrite then reads the table after every earlier writer's, so the last manifest written is the
    /// complete one even when workers finish together.
    func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T
}

extension JobStore {
    /// One process per SQLite table: nothing to exclude.
    public func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T { try await body() }
}

/// The job table in an SQLite file.
public final class JobTable: JobStore {
    public let path: String
    private let queue: DatabaseQueue

    /// Opens (creating when missing, unless `readOnly`) the table at `path`.
    /// - Parameter readOnly: for watching a run from another process: opens no write transaction of its own.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        // Another process reading the file (a user's sqlite3, a report, a test watching a run) holds a lock for a
        // moment; wait for it rather than fail the run's write.
        configuration.busyMode = .timeout(30)
        configuration.readonly = readOnly
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if readOnly { return }
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS units (
                      id TEXT PRIMARY KEY NOT NULL, video TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL,
                      result TEXT, reason TEXT, attempts INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX IF NOT EXISTS units_stage ON units(stage, state);
                    """)
            }
        } catch {
            throw CurationError.jobTable(path: path, reason: "\(error)")
        }
    }

    public func unit(_ id: String) throws -> UnitRecord? {
        do { return try queue.read { try UnitRecord.fetchOne($0, key: id) } } catch {
            throw CurationError.jobTable(path: path, reason: "\(error)")
        }
    }

    /// Inserts or replaces a unit; `attempts` counts up from the stored row.
    public func record(_ unit: UnitRecord) throws {
        do {
            try queue.write { db in
                var row = unit
                row.attempts = (try UnitRecord.fetchOne(db, key: unit.id)?.attempts ?? 0) + 1
                try row.save(db)
            }
        } catch {
            throw CurationError.jobTable(path: path, reason: "\(error)")
        }
    }

    /// Every unit of `stage` (all stages when nil), ordered by id.
    public func units(stage: String?) throws -> [UnitRecord] {
        do {
            return try queue.read { db in
                var request = UnitRecord.order(Column("id"))
                if let stage { request = request.filter(Column("stage") == stage) }
                return try request.fetchAll(db)
            }
        } catch {
            throw CurationError.jobTable(path: path, reason: "\(error)")
        }
    }
}
