// The job table and the video queue in PostgreSQL (`--queue postgres://…`): any number of `vans data curate
// --worker` processes, on any machines, claim videos with `FOR UPDATE SKIP LOCKED` and record their units in
// one shared table; the output directory must be shared storage.
import Foundation
import PostgresNIO

/// Hands out videos to workers.
public protocol WorkQueue: Sendable {
    /// Adds videos not queued yet (and re-queues ones that failed).
    func enqueue(_ videos: [SourceVideo]) async throws
    /// The next pending video, claimed for `worker`, or nil when none is left.
    func claim(worker: String) async throws -> SourceVideo?
    /// Marks a claimed video finished (or failed, to be re-queued by the next `enqueue`).
    func finish(_ key: String, failed: Bool) async throws
}

/// `JobStore` and `WorkQueue` in a PostgreSQL database.
public final class PostgresJobStore: JobStore, WorkQueue {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let description: String
    /// A video claimed longer ago than this (its worker presumably died) is handed out again.
    public let reclaimAfterSeconds: Int

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`; the password may instead come from
    /// `$PGPASSWORD`) and creates the tables when missing.
    public init(url: String, reclaimAfterSeconds: Int = 3600,
                environment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        self.reclaimAfterSeconds = max(1, reclaimAfterSeconds)
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw CurationError.jobTable(path: url, reason: "expected postgres://user@host[:port]/database")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let user = components.user ?? environment["PGUSER"] ?? "postgres"
        let password = components.password ?? environment["PGPASSWORD"]
        description = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
        let configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user, password: password,
                                                         database: database.isEmpty ? nil : database, tls: .disable)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
        do {
            // Two workers starting together would race on CREATE TABLE: serialise them with an advisory lock.
            try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(716016)", logger: Self.logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS curation_units (id TEXT PRIMARY KEY, video TEXT NOT NULL, stage TEXT NOT NULL,
                      state TEXT NOT NULL, result TEXT, reason TEXT, attempts BIGINT NOT NULL DEFAULT 0)
                    """, logger: Self.logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS curation_queue (key TEXT PRIMARY KEY, payload TEXT NOT NULL,
                      state TEXT NOT NULL DEFAULT 'pending', worker TEXT, claimed_at TIMESTAMPTZ)
                    """, logger: Self.logger)
                try await connection.query("SELECT pg_advisory_unlock(716016)", logger: Self.logger)
            }
        } catch {
            runner.cancel()
            throw CurationError.jobTable(path: description, reason: String(reflecting: error))
        }
    }

    static let logger = Logger(label: "vans.curation.postgres")

    /// `body` under a session advisory lock (one connection holds it for the duration; released on error too).
    /// Errors of `body` pass through as they are; a failing lock query is a job-table error.
    public func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>
        do {
            outcome = try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(716017)", logger: Self.logger)
                let outcome: Result<T, any Error>
                do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
                try await connection.query("SELECT pg_advisory_unlock(716017)", logger: Self.logger)
                return outcome
            }
        } catch {
            throw failure(error)
        }
        return try outcome.get()
    }

    /// Closes the connections.
    public func shutdown() async {
        runner.cancel()
        await runner.value
    }

    private func failure(_ error: Error) -> CurationError {
        error as? CurationError ?? .jobTable(path: description, reason: String(reflecting: error))
    }

    public func unit(_ id: String) async throws -> UnitRecord? {
        do {
            let rows = try await client.query("SELECT id, video, stage, state, result, reason, attempts FROM curation_units WHERE id = \(id)",
                                              logger: Self.logger)
            for try await row in rows.decode((String, String, String, String, String?, String?, Int).self) {
                return try Self.record(row)
            }
            return nil
        } catch { throw failure(error) }
    }

    public func record(_ unit: UnitRecord) async throws {
        do {
            try await client.query("""
                INSERT INTO curation_units (id, video, stage, state, result, reason, attempts)
                VALUES (\(unit.id), \(unit.video), \(unit.stage), \(unit.state.rawValue), \(unit.result), \(unit.reason), 1)
                ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, result = EXCLUDED.result, reason = EXCLUDED.reason,
                  attempts = curation_units.attempts + 1
                """, logger: Self.logger)
        } catch { throw failure(error) }
    }

    public func units(stage: String?) async throws -> [UnitRecord] {
        do {
            let rows: PostgresRowSequence
            if let stage {
                rows = try await client.query("SELECT id, video, stage, state, result, reason, attempts FROM curation_units WHERE stage = \(stage) ORDER BY id",
                                              logger: Self.logger)
            } else {
                rows = try await client.query("SELECT id, video, stage, state, result, reason, attempts FROM curation_units ORDER BY id", logger: Self.logger)
            }
            var found: [UnitRecord] = []
            for try await row in rows.decode((String, String, String, String, String?, String?, Int).self) { found.append(try Self.record(row)) }
            return found
        } catch { throw failure(error) }
    }

    static func record(_ row: (String, String, String, String, String?, String?, Int)) throws -> UnitRecord {
        guard let state = UnitState(rawValue: row.3) else {
            throw CurationError.jobTable(path: "curation_units", reason: "unit \(row.0) has unknown state '\(row.3)'")
        }
        return UnitRecord(id: row.0, video: row.1, stage: row.2, state: state, result: row.4, reason: row.5, attempts: row.6)
    }

    public func enqueue(_ videos: [SourceVideo]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            for video in videos {
                let payload = String(decoding: try encoder.encode(video), as: UTF8.self)
                try await client.query("""
                    INSERT INTO curation_queue (key, payload) VALUES (\(video.key), \(payload))
                    ON CONFLICT (key) DO UPDATE SET state = 'pending', payload = EXCLUDED.payload WHERE curation_queue.state = 'failed'
                    """, logger: Self.logger)
            }
        } catch { throw failure(error) }
    }

    public func claim(worker: String) async throws -> SourceVideo? {
        do {
            let rows = try await client.query("""
                UPDATE curation_queue SET state = 'running', worker = \(worker), claimed_at = now()
                WHERE key = (SELECT key FROM curation_queue
                             WHERE state = 'pending' OR (state = 'running' AND claimed_at < now() - make_interval(secs => \(reclaimAfterSeconds)))
                             ORDER BY key FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING payload
                """, logger: Self.logger)
            for try await payload in rows.decode(String.self) {
                do { return try JSONDecoder().decode(SourceVideo.self, from: Data(payload.utf8)) } catch {
                    throw CurationError.jobTable(path: "curation_queue", reason: "a queued video's payload does not decode: \(error)")
                }
            }
            return nil
        } catch { throw failure(error) }
    }

    public func finish(_ key: String, failed: Bool) async throws {
        do {
            try await client.query("UPDATE curation_queue SET state = \(failed ? "failed" : "done") WHERE key = \(key)", logger: Self.logger)
        } catch { throw failure(error) }
    }

    /// Which worker claimed each video (for reports and tests).
    public func claims() async throws -> [String: String] {
        do {
            let rows = try await client.query("SELECT key, worker FROM curation_queue", logger: Self.logger)
            var found: [String: String] = [:]
            for try await (key, worker) in rows.decode((String, String?).self) { found[key] = worker ?? "" }
            return found
        } catch { throw failure(error) }
    }
}
