// The ratings of the human evaluation, in SQLite (GRDB) beside the job store: one row per rater, example and
// system, so a rater who changes their mind overwrites their own rating.
import Foundation
import GRDB

/// The three 1–5 scores of paper App. D.4 / Table 5.
public struct RatingScores: Codable, Sendable, Equatable {
    /// Does the answer video show the right next event?
    public var semantic: Int
    /// Is it consistent with the input video (scene, objects, appearance)?
    public var visual: Int
    public var overall: Int

    public init(semantic: Int, visual: Int, overall: Int) {
        self.semantic = semantic
        self.visual = visual
        self.overall = overall
    }

    /// Each score an integer in 1...5.
    public var isValid: Bool { [semantic, visual, overall].allSatisfy { (1...5).contains($0) } }
}

/// One stored rating (the `rating` table).
public struct RatingRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "rating"
    public var rater: String
    public var example: String
    public var system: String
    public var semantic: Int
    public var visual: Int
    public var overall: Int
    public var updatedAt: Double

    public var scores: RatingScores { RatingScores(semantic: semantic, visual: visual, overall: overall) }
}

/// `ratings.sqlite` in a data directory. Thread-safe (GRDB serialises access).
public final class RatingStore: Sendable {
    public let path: String
    private let database: DatabaseQueue

    /// Opens (creating when missing) `ratings.sqlite` in `directory`; `createIfMissing: false` for readers
    /// (`vans report ratings`), so a mistyped directory is an error rather than an empty table.
    public init(directory: URL, createIfMissing: Bool = true) throws(StoreError) {
        path = directory.appendingPathComponent("ratings.sqlite").path
        guard createIfMissing || FileManager.default.fileExists(atPath: path) else {
            throw .cannotOpen(path: path, reason: "no such file (rate with `vans serve --rate DIR --data` this directory first)")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            database = try openDatabase(path: path) { db in
                try db.create(table: RatingRecord.databaseTableName) { table in
                    table.column("rater", .text).notNull()
                    table.column("example", .text).notNull()
                    table.column("system", .text).notNull()
                    table.column("semantic", .integer).notNull()
                    table.column("visual", .integer).notNull()
                    table.column("overall", .integer).notNull()
                    table.column("updatedAt", .double).notNull()
                    table.primaryKey(["rater", "example", "system"])
                }
            }
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Inserts or replaces `rater`'s rating of `system` on `example`.
    public func save(rater: String, example: String, system: String, scores: RatingScores) throws {
        let record = RatingRecord(rater: rater, example: example, system: system, semantic: scores.semantic, visual: scores.visual,
                                  overall: scores.overall, updatedAt: Date().timeIntervalSince1970)
        try database.write { db in try record.save(db) }
    }

    /// `rater`'s ratings of `example`, by system.
    public func ratings(rater: String, example: String) throws -> [String: RatingScores] {
        try database.read { db in
            let records = try RatingRecord.filter(Column("rater") == rater && Column("example") == example).fetchAll(db)
            return Dictionary(records.map { ($0.system, $0.scores) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// How many systems `rater` has rated per example (example id → count).
    public func ratedCounts(rater: String) throws -> [String: Int] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT example, COUNT(*) AS n FROM rating WHERE rater = ? GROUP BY example", arguments: [rater])
            return Dictionary(rows.map { ($0["example"] as String, $0["n"] as Int) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Every rating, in insertion order.
    public func all() throws -> [RatingRecord] {
        try database.read { db in try RatingRecord.order(sql: "rowid").fetchAll(db) }
    }
}
