// End to end on videos made at test time: raw videos through the content detector and a scripted VLM,
// COIN annotations through the offline stages; the manifest validates and clips sit inside the known shots.
import Curation
import Data
import Foundation
import Testing

@Suite(.serialized) struct EndToEndTests {
    /// A dataset root with two raw videos (3 shots each) and a COIN file over a third video.
    func makeInputs(_ root: URL) throws -> URL {
        let raw = root.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try writeTestVideo(raw.appendingPathComponent("film_a.mp4"), seed: 1)
        try writeTestVideo(raw.appendingPathComponent("film_b.mp4"), shots: 2, seed: 2)
        let coinVideos = root.appendingPathComponent("coin")
        try FileManager.default.createDirectory(at: coinVideos, withIntermediateDirectories: true)
        try writeTestVideo(coinVideos.appendingPathComponent("tea.mp4"), seed: 3)
        try write("""
            {"database": {"tea": {"subset": "training", "annotation": [
               {"id": "1", "segment": [0, 4], "label": "boil water"}, {"id": "2", "segment": [4, 8], "label": "add tea leaves"},
               {"id": "3", "segment": [8, 12], "label": "pour into a cup"}]},
             "gone": {"subset": "training", "annotation": [{"id": "1", "segment": [0, 4], "label": "a"}, {"id": "2", "segment": [4, 8], "label": "b"}]}}}
            """, "COIN.json", in: root)
        return try write("""
            {"sources": [{"name": "films", "format": "videos", "videos": "raw"},
                         {"name": "coin", "format": "coin", "annotations": "COIN.json", "videos": "coin"}]}
            """, "sources.json", in: root)
    }

    func imported(_ config: URL) throws -> (videos: [SourceVideo], problems: [ImportProblem]) {
        let configuration = try SourcesConfiguration.load(config)
        let results = try configuration.importers(relativeTo: config.deletingLastPathComponent()).map { try $0.run() }
        return (results.flatMap(\.videos), results.flatMap(\.problems))
    }

    /// Scripted VLM for the raw films, offline stages for COIN (a mixed run is what two invocations would give).
    struct MixedChooser: ClipChooser {
        let vlm: VLMClipChooser
        func choose(in shot: Shot, of video: SourceVideo) async throws -> ChosenClip? {
            video.source == "coin" ? try await QualityClipChooser().choose(in: shot, of: video) : try await vlm.choose(in: shot, of: video)
        }
    }

    struct MixedGenerator: QAGenerator {
        let vlm: VLMQAGenerator
        func generate(context: [ChosenClip], target: ChosenClip, video: SourceVideo) async throws -> QAOutcome {
            video.source == "coin" ? try await TemplateQAGenerator().generate(context: context, target: target, video: video)
                : try await vlm.generate(context: context, target: target, video: video)
        }
    }

    func stages(leaking: Set<String> = []) throws -> CurationStages {
        let prompts = try PromptLibrary()
        let client = ScriptedVLM(leakingTargets: leaking)
        return CurationStages(splitter: StandardShotSplitter(),
                              chooser: MixedChooser(vlm: VLMClipChooser(client: client, prompts: prompts)),
                              generator: MixedGenerator(vlm: VLMQAGenerator(client: client, prompts: prompts)))
    }

    // The expected samples come out, validate, and every clip lies within one frame of its detected/annotated shot.
    @Test func curatesValidSamplesInsideTheShots() async throws {
        let root = try scratchDirectory("e2e")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try makeInputs(root)
        let (videos, problems) = try imported(config)
        #expect(videos.map(\.key) == ["films/film_a", "films/film_b", "coin/tea"])
        #expect(problems.map(\.entry) == ["gone"])
        let output = root.appendingPathComponent("out")
        var options = CurationOptions()
        options.workers = 2
        let runner = try CurationRunner(output: output, stages: try stages(leaking: ["the scene that starts at second 8 changes colour"]), options: options)
        let summary = try await runner.run(videos, importProblems: problems)
        // film_a: 3 shots → targets 1, 2 (target 2 leaks → rejected); film_b: 2 shots → 1; tea: 3 steps → 2.
        #expect(summary.samples == 4)
        #expect(summary.rejections["answer leaked into the question"] == 1)
        #expect(summary.failures.isEmpty)
        // Every unit is recorded: 3 videos, 3 shot lists, 8 shots → 8 clips, 5 QA units (1 rejected), 4 samples.
        #expect(summary.units["video"] == ["done": 3])
        #expect(summary.units["clip"] == ["done": 8])
        #expect(summary.units["qa"] == ["done": 4, "rejected": 1])
        #expect(summary.units["sample"] == ["done": 4])
        let report = try DatasetValidator.validate(output)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.samples == 4)
        let samples = try await runner.finishedSamples()
        #expect(Set(samples.map(\.sample.kind)) == [.predictive, .procedural])
        for curated in samples {
            // Shots are [32k, 32(k+1)); the answer clip (3–5 s) must lie inside one of them, within a frame.
            let answer = curated.answerSourceFrames
            let shot = answer[0] / framesPerShot
            #expect(answer[0] >= shot * framesPerShot - 1 && answer[1] <= (shot + 1) * framesPerShot + 1, "\(curated.sample.id) \(answer)")
            let seconds = curated.sample.answerRange.duration
            #expect(seconds >= 3 - 1 / testFPS && seconds <= 5 + 1 / testFPS)
            #expect(curated.inputSourceFrames[1] <= answer[0])
        }
        // The Table 3 rows: one per (source, kind), counts and mean durations equal to the samples' own.
        var expectedRows: [String: [Double]] = [:]
        for curated in samples {
            expectedRows["\(curated.sample.source)/\(curated.sample.kind.rawValue)", default: []]
                += [curated.sample.inputRange.duration, curated.sample.answerRange.duration]
        }
        #expect(summary.rows.map { "\($0.source)/\($0.kind.rawValue)" } == expectedRows.keys.sorted())
        for row in summary.rows {
            let durations = expectedRows["\(row.source)/\(row.kind.rawValue)"] ?? []
            let inputs = stride(from: 0, to: durations.count, by: 2).map { durations[$0] }
            let answers = stride(from: 1, to: durations.count, by: 2).map { durations[$0] }
            #expect(row.samples == inputs.count)
            #expect(abs(row.meanInputSeconds - inputs.reduce(0, +) / Double(inputs.count)) < 1e-9)
            #expect(abs(row.meanAnswerSeconds - answers.reduce(0, +) / Double(answers.count)) < 1e-9)
            #expect(summary.table.contains(row.source.padding(toLength: 14, withPad: " ", startingAt: 0) + row.kind.rawValue))
        }
        #expect(summary.rows.map(\.samples).reduce(0, +) == summary.samples)
        #expect(summary.table.contains("total: 4 samples from 3 videos"))
        #expect(summary.table.contains("rejected 1×: answer leaked into the question"))
        let written = try JSONDecoder().decode(CurationSummary.self, from: Data(contentsOf: output.appendingPathComponent("summary.json")))
        #expect(written == summary)
    }

    // A write to the job table that fails (a full disk, a locked file) stops the run with the table's error; it is not
    // recorded as a failure of the unit being written, so the rerun writes each sample exactly once.
    @Test func jobTableFailuresStopTheRunWithoutBlamingTheUnit() async throws {
        let root = try scratchDirectory("table-failure")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try makeInputs(root)
        let (videos, _) = try imported(config)
        let output = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let table = try JobTable(path: output.appendingPathComponent("jobs.sqlite").path)
        let failing = FailingStore(inner: table, failingStage: "sample")
        await #expect(throws: CurationError.self) {
            _ = try await CurationRunner(output: output, stages: try stages(), store: failing).run(videos)
        }
        #expect(try table.units(stage: "sample").isEmpty)
        #expect(try table.units(stage: "video").allSatisfy { $0.state != .failed })
        let summary = try await CurationRunner(output: output, stages: try stages()).run(videos)
        #expect(summary.samples == 5 && summary.failures.isEmpty)
        #expect(try table.units(stage: "sample").allSatisfy { $0.attempts == 1 })
    }

    // A run stopped at a unit boundary and rerun gives exactly the manifest of an uninterrupted run (in-process halt, not kill -9).
    @Test func haltedRunsResumeToTheSameManifest() async throws {
        let root = try scratchDirectory("resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try makeInputs(root)
        let (videos, _) = try imported(config)
        let straight = root.appendingPathComponent("straight")
        _ = try await CurationRunner(output: straight, stages: try stages()).run(videos)
        let expected = try Data(contentsOf: straight.appendingPathComponent(Manifest.fileName))
        let resumed = root.appendingPathComponent("resumed")
        var halts = 0
        for stop in [3, 4, 6] {
            var options = CurationOptions()
            options.haltAfterUnits = stop
            do {
                _ = try await CurationRunner(output: resumed, stages: try stages(), options: options).run(videos)
            } catch is CurationHalted {
                halts += 1
            }
        }
        #expect(halts == 3)
        _ = try await CurationRunner(output: resumed, stages: try stages()).run(videos)
        let actual = try Data(contentsOf: resumed.appendingPathComponent(Manifest.fileName))
        #expect(actual == expected)
        #expect(Manifest.parse(actual).problems.isEmpty)
        let sampleUnits = try JobTable(path: resumed.appendingPathComponent("jobs.sqlite").path).units(stage: "sample")
        #expect(sampleUnits.allSatisfy { $0.attempts == 1 }, "no sample was written twice")
    }
}

/// A job store whose first write of a `failingStage` unit fails as a locked SQLite file would.
final class FailingStore: JobStore, @unchecked Sendable {
    let inner: JobTable
    let failingStage: String
    private let lock = NSLock()
    private var failed = false
    init(inner: JobTable, failingStage: String) {
        self.inner = inner
        self.failingStage = failingStage
    }
    func unit(_ id: String) async throws -> UnitRecord? { try inner.unit(id) }
    func units(stage: String?) async throws -> [UnitRecord] { try inner.units(stage: stage) }
    func record(_ unit: UnitRecord) async throws {
        let fail = lock.withLock { () -> Bool in
            guard unit.stage == failingStage, !failed else { return false }
            failed = true
            return true
        }
        if fail { throw CurationError.jobTable(path: inner.path, reason: "database is locked") }
        try inner.record(unit)
    }
}
