// Orchestration: every video through shots → clips → QA → sample, each unit recorded in the job table
// so a rerun resumes; the manifest is rebuilt from the table's finished samples (sorted by id) at the end,
// so a killed run leaves no partial or duplicated manifest line.
import Data
import Foundation
import Support

/// The three replaceable stages.
public struct CurationStages: Sendable {
    public var splitter: any ShotSplitter
    public var chooser: any ClipChooser
    public var generator: any QAGenerator

    public init(splitter: any ShotSplitter, chooser: any ClipChooser, generator: any QAGenerator) {
        self.splitter = splitter
        self.chooser = chooser
        self.generator = generator
    }
}

/// Settings of a run.
public struct CurationOptions: Sendable {
    /// Videos processed at once.
    public var workers = 1
    /// Clips before the target that make the input video.
    public var contextEvents = 2
    /// Draw a progress bar per stage on standard error (when it is a terminal).
    public var showProgress = false
    /// Testing hook: stop (as a crash would) after this many units are recorded, before the manifest is written.
    public var haltAfterUnits: Int?
    /// Testing hook: after this many samples are recorded, wait (doing nothing) until the process is killed, so a
    /// kill test stops the run at a known point however loaded the machine is. `vans data curate` reads it from
    /// `VANS_CURATE_STALL_AFTER_SAMPLES`.
    public var stallAfterSamples: Int?
    /// x264 quality of the re-encoded clips.
    public var crf = 18
    /// Copy packets instead of re-encoding when a cut starts on a keyframe of a stream without B-frames.
    public var streamCopy = true

    public init() {}
}

/// A sample as recorded in the job table: the manifest line plus where its clips came from.
public struct CuratedSample: Sendable, Codable, Equatable {
    public var sample: DatasetSample
    /// Source frames `[start, end)` of the input clip and of the answer clip.
    public var inputSourceFrames: [Int]
    public var answerSourceFrames: [Int]
    public var framesPerSecond: Double
    /// Whether the input and the answer clip were stream-copied (else re-encoded).
    public var streamCopied: [Bool]
}

/// Thrown by the `haltAfterUnits` hook.
public struct CurationHalted: Error, Sendable {}

/// A write to the job table failed. Not a `CurationError`, so no stage mistakes it for a failure of its unit (which
/// would be recorded, then redone by the rerun); `run` hands the table's own error to the caller.
struct RecordingFailed: Error {
    let error: any Error
}

/// Runs the pipeline over imported videos into `output` (videos/, manifest.jsonl, jobs.sqlite, summary.json).
public final class CurationRunner: Sendable {
    public let output: URL
    public let stages: CurationStages
    public let options: CurationOptions
    public let table: any JobStore
    /// One bar per stage: videos finished, videos split into shots, clips chosen of the shots kept, QA units settled
    /// of the targets, samples written of the accepted QA (units resumed from the table count as settled).
    public let progress: StageBars
    private let counter = UnitCounter()
    private let samplesRecorded = UnitCounter()
    private let shotsKept = UnitCounter()
    private let rejectedQA = UnitCounter()
    private let failedQA = UnitCounter()
    private let failedSamples = UnitCounter()

    /// A runner writing into `output`, recording units in `store` (default: `output/jobs.sqlite`).
    public init(output: URL, stages: CurationStages, options: CurationOptions = CurationOptions(), store: (any JobStore)? = nil) throws {
        self.output = output
        self.stages = stages
        self.options = options
        progress = StageBars(stages: ["videos", "shots", "clips", "qa", "samples"], enabled: options.showProgress ? nil : false)
        do {
            try FileManager.default.createDirectory(at: output.appendingPathComponent("videos"), withIntermediateDirectories: true)
        } catch {
            throw CurationError.videoFailed(path: output.path, reason: "cannot create the output directory: \(error.localizedDescription)")
        }
        table = try store ?? JobTable(path: output.appendingPathComponent("jobs.sqlite").path)
    }

    /// Curates `videos`, writes the manifest and returns the summary.
    public func run(_ videos: [SourceVideo], importProblems: [ImportProblem] = [], skippedEntries: Int = 0) async throws -> CurationSummary {
        progress.add("videos", total: videos.count)
        progress.add("shots", total: videos.count)
        try await Self.unwrappingRecordingFailures { try await self.processAll(videos) }
        progress.finish()
        return try await finish(videos: videos.count, importProblems: importProblems, skippedEntries: skippedEntries)
    }

    private func processAll(_ videos: [SourceVideo]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func launch() {
                let video = videos[next]
                next += 1
                group.addTask {
                    try await self.process(video)
                    self.progress.add("videos", done: 1)
                }
            }
            while next < videos.count && next < max(1, options.workers) { launch() }
            while try await group.next() != nil {
                if next < videos.count { launch() }
            }
        }
    }

    private static func unwrappingRecordingFailures(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let failure as RecordingFailed { throw failure.error }
    }

    /// Pulls videos from `queue` until it is empty (`options.workers` at once), then writes the manifest of
    /// every finished sample in the shared table (the last worker to finish writes the complete one).
    public func runWorker(queue: any WorkQueue, worker: String) async throws -> CurationSummary {
        let processed = UnitCounter()
        try await Self.unwrappingRecordingFailures { try await self.work(queue: queue, worker: worker, counting: processed) }
        progress.finish()
        return try await finish(videos: processed.current, importProblems: [], skippedEntries: 0)
    }

    private func work(queue: any WorkQueue, worker: String, counting processed: UnitCounter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, options.workers) {
                group.addTask {
                    while let video = try await queue.claim(worker: worker) {
                        self.progress.add("videos", total: 1)
                        self.progress.add("shots", total: 1)
                        try await self.process(video)
                        self.progress.add("videos", done: 1)
                        let failed = try await self.table.unit(video.key)?.state != .done
                        try await queue.finish(video.key, failed: failed)
                        _ = processed.increment()
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func finish(videos: Int, importProblems: [ImportProblem], skippedEntries: Int) async throws -> CurationSummary {
        // Workers sharing a PostgreSQL table each rewrite the manifest when their queue runs dry; serialised, the
        // last rewrite reads the table after every worker's last sample, so the file left is the complete one.
        let manifest = output.appendingPathComponent(Manifest.fileName)
        let samples = try await table.exclusively {
            let samples = try await self.finishedSamples()
            try Manifest.write(samples.map(\.sample), to: manifest)
            return samples
        }
        let summary = try await CurationSummary.make(table: table, samples: samples, videos: videos, importProblems: importProblems,
                                               skippedEntries: skippedEntries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? AtomicFile.write(try encoder.encode(summary), to: output.appendingPathComponent("summary.json"))
        return summary
    }

    /// The finished samples in id order.
    public func finishedSamples() async throws -> [CuratedSample] {
        try await table.units(stage: "sample").filter { $0.state == .done }.compactMap { unit in
            guard let result = unit.result else { return nil }
            return try? JSONDecoder().decode(CuratedSample.self, from: Data(result.utf8))
        }.sorted { $0.sample.id < $1.sample.id }
    }

    // MARK: - One video

    func process(_ video: SourceVideo) async throws {
        let key = video.key
        if try await table.unit(key)?.state == .done {
            progress.add("shots", done: 1)
            return
        }
        let shots: [Shot]
        do {
            shots = try await cached("\(key)/shots", stage: "shots", video: key) { try await self.stages.splitter.shots(of: video) }
            progress.add("shots", done: 1)
            let kept = shotsKept.add(shots.count)
            progress.note("shots", "\(kept) shot\(kept == 1 ? "" : "s") kept")
            progress.add("clips", total: shots.count)
        } catch let error as CurationError {
            progress.add("shots", done: 1)
            return try await finishVideo(key, failure: "shots: \(error)")
        }
        var clips: [ChosenClip] = []
        for (index, shot) in shots.enumerated() {
            do {
                let clip: ChosenClip? = try await cached("\(key)/clip/\(index)", stage: "clip", video: key) {
                    try await self.stages.chooser.choose(in: shot, of: video)
                }
                progress.add("clips", done: 1)
                if let clip { clips.append(clip) }
            } catch let error as CurationError {
                return try await finishVideo(key, failure: "clip \(index): \(error)")
            }
        }
        var failures = 0
        progress.add("qa", total: max(0, clips.count - 1))
        for target in clips.indices.dropFirst() {
            let context = Array(clips[max(0, target - options.contextEvents)..<target])
            let qaID = "\(key)/qa/\(target)"
            var qa: GeneratedQA?
            if let unit = try await table.unit(qaID), unit.state != .failed {
                settleQA(unit.state)
                if unit.state == .rejected { continue }
                qa = try unit.result.map { try JSONDecoder().decode(GeneratedQA.self, from: Data($0.utf8)) }
            } else {
                do {
                    switch try await stages.generator.generate(context: context, target: clips[target], video: video) {
                    case .accepted(let generated):
                        qa = generated
                        try await record(UnitRecord(id: qaID, video: key, stage: "qa", state: .done, result: try json(generated), reason: nil, attempts: 0))
                        settleQA(.done)
                    case .rejected(let reason):
                        try await record(UnitRecord(id: qaID, video: key, stage: "qa", state: .rejected, result: nil, reason: reason, attempts: 0))
                        settleQA(.rejected)
                        continue
                    }
                } catch let error as CurationError {
                    failures += 1
                    try await record(UnitRecord(id: qaID, video: key, stage: "qa", state: .failed, result: nil, reason: Self.reason(error), attempts: 0))
                    settleQA(.failed)
                    continue
                }
            }
            guard let qa else { continue }
            progress.add("samples", total: 1)
            let sampleID = "\(key)/sample/\(target)"
            if try await table.unit(sampleID)?.state == .done {
                progress.add("samples", done: 1)
                continue
            }
            do {
                let curated = try writeSample(video: video, context: context, target: clips[target], index: target, qa: qa)
                try await record(UnitRecord(id: sampleID, video: key, stage: "sample", state: .done, result: try json(curated), reason: nil, attempts: 0))
                progress.add("samples", done: 1)
            } catch let error as CurationError {
                failures += 1
                try await record(UnitRecord(id: sampleID, video: key, stage: "sample", state: .failed, result: nil, reason: Self.reason(error), attempts: 0))
                progress.add("samples", done: 1)
                progress.note("samples", "\(failedSamples.increment()) failed")
            }
        }
        try await finishVideo(key, failure: failures > 0 ? "\(failures) unit(s) failed" : nil)
    }

    /// Counts a QA unit settled in `state` on its bar; rejections and failures also update the bar's note.
    private func settleQA(_ state: UnitState) {
        progress.add("qa", done: 1)
        guard state != .done else { return }
        let rejectedCount = rejectedQA.add(state == .rejected ? 1 : 0), failedCount = failedQA.add(state == .failed ? 1 : 0)
        progress.note("qa", "\(rejectedCount) rejected, \(failedCount) failed")
    }

    private func finishVideo(_ key: String, failure: String?) async throws {
        try await record(UnitRecord(id: key, video: key, stage: "video", state: failure == nil ? .done : .failed, result: nil, reason: failure, attempts: 0))
    }

    /// A failure's reason without the per-call details (so the summary can count reasons).
    static func reason(_ error: CurationError) -> String {
        switch error {
        case .malformedReply: return "malformed VLM reply"
        case .vlmFailed(let reason):
            if reason.contains("HTTP 429") { return "VLM call failed: HTTP 429 after retries" }
            if reason.contains("HTTP 5") { return "VLM call failed: HTTP 5xx after retries" }
            return "VLM call failed"
        case .videoFailed: return "video cut failed"
        default: return "\(error)"
        }
    }

    /// The stored result of unit `id`, or `compute`'s (recorded) when there is none or it failed before.
    private func cached<T: Codable & Sendable>(_ id: String, stage: String, video: String, _ compute: () async throws -> T) async throws -> T {
        if let unit = try await table.unit(id), unit.state == .done, let result = unit.result {
            if let value = try? JSONDecoder().decode(T.self, from: Data(result.utf8)) { return value }
        }
        do {
            let value = try await compute()
            try await record(UnitRecord(id: id, video: video, stage: stage, state: .done, result: try json(value), reason: nil, attempts: 0))
            return value
        } catch let error as CurationError {
            try await record(UnitRecord(id: id, video: video, stage: stage, state: .failed, result: nil, reason: "\(error)", attempts: 0))
            throw error
        } catch let error as CurationHalted {
            throw error
        } catch let error as RecordingFailed {
            throw error
        } catch {
            let wrapped = CurationError.videoFailed(path: video, reason: "\(error)")
            try await record(UnitRecord(id: id, video: video, stage: stage, state: .failed, result: nil, reason: "\(wrapped)", attempts: 0))
            throw wrapped
        }
    }

    private func record(_ unit: UnitRecord) async throws {
        do { try await table.record(unit) } catch { throw RecordingFailed(error: error) }
        if let limit = options.haltAfterUnits, counter.increment() >= limit { throw CurationHalted() }
        if unit.stage == "sample", let stall = options.stallAfterSamples, samplesRecorded.increment() >= stall {
            while true { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
        }
    }

    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: - Writing

    static func sampleID(_ video: SourceVideo, _ index: Int) -> String {
        let raw = "\(video.source)-\(video.id)-\(index)"
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// Cuts the input and answer clips (atomically, by VideoIO) and builds the manifest line.
    func writeSample(video: SourceVideo, context: [ChosenClip], target: ChosenClip, index: Int, qa: GeneratedQA) throws -> CuratedSample {
        guard let first = context.first, let last = context.last else {
            throw CurationError.videoFailed(path: video.videoPath, reason: "sample \(index) has no context clip")
        }
        let id = Self.sampleID(video, index)
        let inputName = "videos/\(id)_input.mp4", answerName = "videos/\(id)_answer.mp4"
        let fps = target.framesPerSecond
        let inputCut = try ClipCutter.cut(video.videoPath, frames: first.startFrame..<last.endFrame,
                                          to: output.appendingPathComponent(inputName), crf: options.crf, allowStreamCopy: options.streamCopy)
        let answerCut = try ClipCutter.cut(video.videoPath, frames: target.startFrame..<target.endFrame,
                                           to: output.appendingPathComponent(answerName), crf: options.crf, allowStreamCopy: options.streamCopy)
        let inputFrames = inputCut.frames, answerFrames = answerCut.frames
        var alternatives = [qa.answer]
        if target.caption != qa.answer && !target.caption.isEmpty { alternatives.append(target.caption) }
        let sample = DatasetSample(id: id, kind: video.kind, inputVideo: inputName,
                                   inputRange: TimeRange(start: 0, end: Double(inputFrames) / fps), question: qa.question,
                                   reasoning: qa.reasoning, answerCaption: qa.answer, answerAlternatives: alternatives,
                                   answerVideo: answerName, answerRange: TimeRange(start: 0, end: Double(answerFrames) / fps),
                                   source: video.source)
        return CuratedSample(sample: sample, inputSourceFrames: [first.startFrame, last.endFrame],
                             answerSourceFrames: [target.startFrame, target.endFrame], framesPerSecond: fps,
                             streamCopied: [inputCut.streamCopied, answerCut.streamCopied])
    }
}

/// Counts recorded units for the halt hook.
final class UnitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func increment() -> Int { add(1) }

    /// Adds `count` and returns the new value.
    func add(_ count: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += count
        return value
    }
}
