// The run report counts shots that yielded no clip as rejections (they are stored as done with a null result, so a
// rerun does not choose again).
@testable import Curation
import Foundation
import Testing

@Suite struct CurationSummaryTests {
    @Test func shotsWithoutAClipAreRejections() async throws {
        let root = try scratchDirectory("summary")
        defer { try? FileManager.default.removeItem(at: root) }
        let table = try JobTable(path: root.appendingPathComponent("jobs.sqlite").path)
        let units = [
            UnitRecord(id: "s/v/clip/0", video: "s/v", stage: "clip", state: .done, result: "null", reason: nil, attempts: 0),
            UnitRecord(id: "s/v/clip/1", video: "s/v", stage: "clip", state: .done, result: #"{"start":0}"#, reason: nil, attempts: 0),
            UnitRecord(id: "s/v/qa/1", video: "s/v", stage: "qa", state: .rejected, result: nil, reason: "logic does not hold", attempts: 0),
            UnitRecord(id: "s/v", video: "s/v", stage: "video", state: .done, result: nil, reason: nil, attempts: 0),
        ]
        for unit in units { try table.record(unit) }
        let summary = try await CurationSummary.make(table: table, samples: [], videos: 1, importProblems: [], skippedEntries: 0)
        #expect(summary.rejections == [CurationSummary.noClipReason: 1, "logic does not hold": 1])
        #expect(summary.units["clip"] == ["done": 2])
        #expect(summary.table.contains("rejected 1×: \(CurationSummary.noClipReason)"))
    }
}
