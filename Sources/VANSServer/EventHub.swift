// Server-sent-event fan-out: the worker thread publishes a job's updates, each `/events` stream receives them.
import Foundation

/// Subscribers per job id. Thread-safe: the worker thread publishes, request handlers subscribe.
final class EventHub: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [String: [UUID: AsyncStream<String>.Continuation]] = [:]

    /// A stream of SSE frames for job `id`, ended by `finish(id:)`.
    func subscribe(id: String) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let token = UUID()
        lock.withLock { subscribers[id, default: [:]][token] = continuation }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { _ = self.subscribers[id]?.removeValue(forKey: token) }
        }
        return stream
    }

    /// Sends `event` with JSON `data` to the job's subscribers.
    func publish(id: String, event: String, data: String) {
        let frame = "event: \(event)\ndata: \(data)\n\n"
        let targets = lock.withLock { Array(subscribers[id, default: [:]].values) }
        for continuation in targets { continuation.yield(frame) }
    }

    /// Ends every stream of job `id` (the job finished or was deleted).
    func finish(id: String) {
        let targets = lock.withLock { subscribers.removeValue(forKey: id).map { Array($0.values) } ?? [] }
        for continuation in targets { continuation.finish() }
    }
}
