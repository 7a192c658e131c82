// Counters for `/metrics` (Prometheus text exposition format 0.0.4).
import Foundation

/// Stage latencies and request counts, updated from the worker thread and handlers.
final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var stageSeconds: [String: (sum: Double, count: Int)] = [:]
    private var rejected: [String: Int] = [:]

    func recordStage(_ stage: String, seconds: Double) {
        lock.withLock {
            let old = stageSeconds[stage] ?? (0, 0)
            stageSeconds[stage] = (old.sum + seconds, old.count + 1)
        }
    }

    /// A refused submission, by reason ("queue_full", "too_large", "unsupported_media", "bad_request").
    func recordRejection(_ reason: String) {
        lock.withLock { rejected[reason, default: 0] += 1 }
    }

    /// The exposition text, given the queue depth and the store's counts.
    func render(queueDepth: Int, capacity: Int, jobs: [JobStatus: Int]) -> String {
        var lines: [String] = []
        lines.append("# HELP vans_queue_depth Jobs waiting for the worker.")
        lines.append("# TYPE vans_queue_depth gauge")
        lines.append("vans_queue_depth \(queueDepth)")
        lines.append("# HELP vans_queue_capacity Most jobs that may wait (--max-queue).")
        lines.append("# TYPE vans_queue_capacity gauge")
        lines.append("vans_queue_capacity \(capacity)")
        lines.append("# HELP vans_jobs Jobs in the store by status.")
        lines.append("# TYPE vans_jobs gauge")
        for status in JobStatus.allCases { lines.append("vans_jobs{status=\"\(status.rawValue)\"} \(jobs[status] ?? 0)") }
        let (stages, rejections) = lock.withLock { (stageSeconds, rejected) }
        lines.append("# HELP vans_stage_seconds Wall time of pipeline stages.")
        lines.append("# TYPE vans_stage_seconds summary")
        for (stage, value) in stages.sorted(by: { $0.key < $1.key }) {
            let label = stage.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            lines.append("vans_stage_seconds_sum{stage=\"\(label)\"} \(value.sum)")
            lines.append("vans_stage_seconds_count{stage=\"\(label)\"} \(value.count)")
        }
        lines.append("# HELP vans_submissions_rejected_total Submissions refused, by reason.")
        lines.append("# TYPE vans_submissions_rejected_total counter")
        for (reason, count) in rejections.sorted(by: { $0.key < $1.key }) {
            lines.append("vans_submissions_rejected_total{reason=\"\(reason)\"} \(count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
