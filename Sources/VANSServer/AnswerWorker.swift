// The worker of `vans serve`: one dedicated thread owns the (non-Sendable) pipeline and runs queued jobs in order.
import Foundation
import Logging
import VANS

/// Builds the pipeline; called once, on the worker thread, before the first job.
public typealias PipelineFactory = @Sendable () throws -> VANSPipeline

/// The bounded queue and its worker thread. The queue holds job ids; the store holds everything else, so a
/// restart rebuilds the queue from the store (jobs that were running go back to the front in arrival order).
final class AnswerWorker: @unchecked Sendable {
    enum Removal { case removed, running, absent }

    let capacity: Int
    private let store: JobStore
    private let hub: EventHub
    private let metrics: ServerMetrics
    private let jobsDirectory: URL
    private let factory: PipelineFactory
    private let logger: Logger
    private let condition = NSCondition()
    private var pending: [String] = []
    private var running: String?
    private var stopping = false
    private var exited = false

    init(store: JobStore, hub: EventHub, metrics: ServerMetrics, jobsDirectory: URL, capacity: Int,
         logger: Logger, factory: @escaping PipelineFactory) {
        self.store = store
        self.hub = hub
        self.metrics = metrics
        self.jobsDirectory = jobsDirectory
        self.capacity = capacity
        self.logger = logger
        self.factory = factory
    }

    /// Re-queues interrupted jobs, loads the queue from the store and starts the thread.
    func start() throws {
        let interrupted = try store.requeueInterrupted()
        let queued = try store.queuedIDs()
        if !interrupted.isEmpty || !queued.isEmpty {
            logger.info("resuming jobs from the store", metadata: ["requeued": "\(interrupted.count)", "queued": "\(queued.count)"])
        }
        // Restored jobs may exceed the capacity: accepted jobs are never dropped.
        condition.withLock { pending = queued }
        let thread = Thread { [self] in self.loop() }
        thread.name = "vans-answer-worker"
        thread.stackSize = 64 << 20
        thread.start()
    }

    /// Jobs waiting (not counting the running one).
    var queueDepth: Int { condition.withLock { pending.count } }

    /// Whether a submission would fit now (a hint; `submit` decides).
    /// Whether a shutdown has begun (no job is taken any more).
    var isStopping: Bool { condition.withLock { stopping } }
    var hasRoom: Bool { condition.withLock { !stopping && pending.count < capacity } }

    /// Stores `job` and queues it, atomically with the capacity check: false when the queue is full or the
    /// server is stopping (nothing stored then).
    func submit(_ job: JobRecord) throws -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, pending.count < capacity else { return false }
        try store.insert(job)
        pending.append(job.id)
        condition.signal()
        return true
    }

    /// Takes a queued job off the queue (for deletion); a running job stays.
    func remove(id: String) -> Removal {
        condition.withLock {
            if running == id { return .running }
            if let index = pending.firstIndex(of: id) {
                pending.remove(at: index)
                return .removed
            }
            return .absent
        }
    }

    /// Stops taking jobs; the running one goes on (`stop(grace:)` then waits for it).
    func stopTakingJobs() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    /// Stops taking jobs and waits up to `grace` seconds for the running one. Queued jobs stay queued in the
    /// store; a job still running after the grace stays "running" there and is re-queued at the next start.
    /// Returns whether the worker finished within the grace.
    @discardableResult
    func stop(grace: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: grace)
        while !exited {
            if !condition.wait(until: deadline) { break }
        }
        return exited
    }

    // MARK: - The thread

    private func loop() {
        // Built before the first job so that a bad model directory shows in the log at start-up.
        var pipeline: VANSPipeline?
        var pipelineFailure: String?
        do { pipeline = try factory() } catch {
            pipelineFailure = "cannot build the pipeline: \(error)"
            logger.error("cannot build the pipeline; every job will fail", metadata: ["error": "\(error)"])
        }
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if stopping {
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let id = pending.removeFirst()
            running = id
            condition.unlock()
            run(id: id, pipeline: pipeline, failure: pipelineFailure)
            condition.withLock {
                running = nil
                condition.broadcast()
            }
        }
    }

    private func run(id: String, pipeline: VANSPipeline?, failure: String?) {
        let started = Date()
        let claimed: JobRecord?
        do {
            claimed = try store.update(id: id) { job in
                job.status = .running
                job.startedAt = started.timeIntervalSince1970
                job.attempts += 1
                job.progress = []
                job.error = nil
            }
        } catch {
            logger.error("cannot claim job", metadata: ["job": "\(id)", "error": "\(error)"])
            return
        }
        guard let job = claimed else { return }  // deleted meanwhile
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(id)"
        jobLogger.info("job started", metadata: ["attempt": "\(job.attempts)", "futures": "\(job.options.futures)"])
        hub.publish(id: id, event: "status", data: JobView(job).jsonString)

        let tracker = ProgressTracker(id: id, store: store, hub: hub, metrics: metrics)
        var outcome = job
        do {
            guard let pipeline else { throw ServerFailure(message: failure ?? "no pipeline") }
            let directory = jobsDirectory.appendingPathComponent(id, isDirectory: true)
            let inputURL = directory.appendingPathComponent(job.inputFile)
            let input = AnswerInput(video: job.inputKind == "video" ? inputURL : nil,
                                    image: job.inputKind == "image" ? inputURL : nil, question: job.question)
            let options = job.options
            let reasoning = ReasoningOptions(samples: options.futures,
                                             temperature: options.temperature ?? (options.futures > 1 ? 1 : 0), seed: options.seed)
            let rendering = RenderOptions(seed: options.seed, steps: options.steps, useReferenceFrames: options.referenceFrames)
            let answers = try pipeline.answer(input, reasoning: reasoning, rendering: rendering) { tracker.report($0) }
            tracker.report(StageProgress(stage: "writing", done: 0, total: answers.count))
            var results: [AnswerResult] = []
            for (k, answer) in answers.enumerated() {
                let name = "answer-\(k).mp4"
                try VANSPipeline.write(answer, to: directory.appendingPathComponent(name).path)
                results.append(AnswerResult(reasoning: answer.reasoned.reasoning, caption: answer.reasoned.caption,
                                            text: answer.reasoned.text, followsFormat: answer.reasoned.followsFormat,
                                            videoFile: name, frames: answer.video.frames.count, fps: answer.video.fps))
                tracker.report(StageProgress(stage: "writing", done: k + 1, total: answers.count))
            }
            tracker.close()
            let total = Date().timeIntervalSince(started)
            outcome = try store.update(id: id) { job in
                job.status = .succeeded
                job.answers = results
                job.progress = tracker.stages
                job.timings = tracker.seconds.merging(["total": total, "queued": started.timeIntervalSince1970 - job.createdAt]) { $1 }
                job.finishedAt = Date().timeIntervalSince1970
            } ?? outcome
            jobLogger.info("job succeeded", metadata: ["seconds": "\(total)"])
        } catch {
            tracker.close()
            let message = (error as? ServerFailure)?.message ?? "\(error)"
            outcome = (try? store.update(id: id) { job in
                job.status = .failed
                job.error = message
                job.progress = tracker.stages
                job.timings = tracker.seconds
                job.finishedAt = Date().timeIntervalSince1970
            }) ?? outcome
            jobLogger.error("job failed", metadata: ["error": "\(message)"])
        }
        hub.publish(id: id, event: "done", data: JobView(outcome).jsonString)
        hub.finish(id: id)
    }
}

/// A failure the worker reports as is.
struct ServerFailure: Error {
    var message: String
}

/// Turns the pipeline's progress calls into stage records, stage wall times, throttled store writes and events.
/// Used only on the worker thread.
final class ProgressTracker {
    private let id: String
    private let store: JobStore
    private let hub: EventHub
    private let metrics: ServerMetrics
    private(set) var stages: [StageProgressRecord] = []
    private(set) var seconds: [String: Double] = [:]
    private var currentStage: String?
    private var stageStart = Date()
    private var lastWrite = Date.distantPast

    init(id: String, store: JobStore, hub: EventHub, metrics: ServerMetrics) {
        self.id = id
        self.store = store
        self.hub = hub
        self.metrics = metrics
    }

    func report(_ event: StageProgress) {
        let now = Date()
        let changed = event.stage != currentStage
        if changed {
            closeStage(at: now)
            currentStage = event.stage
            stageStart = now
        }
        let record = StageProgressRecord(stage: event.stage, done: event.done, total: event.total)
        if let index = stages.firstIndex(where: { $0.stage == event.stage }) { stages[index] = record } else { stages.append(record) }
        // The store gets at most ~5 writes a second per job, plus every stage change.
        if changed || now.timeIntervalSince(lastWrite) > 0.2 {
            lastWrite = now
            let snapshot = stages
            _ = try? store.update(id: id) { $0.progress = snapshot }
        }
        if let data = try? JSONEncoder().encode(record), let text = String(data: data, encoding: .utf8) {
            hub.publish(id: id, event: "progress", data: text)
        }
    }

    /// Ends the timing of the current stage.
    func close() {
        closeStage(at: Date())
        currentStage = nil
    }

    private func closeStage(at now: Date) {
        guard let stage = currentStage else { return }
        let elapsed = now.timeIntervalSince(stageStart)
        seconds[stage, default: 0] += elapsed
        metrics.recordStage(stage, seconds: elapsed)
    }
}
