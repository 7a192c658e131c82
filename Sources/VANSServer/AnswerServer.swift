// `vans serve`: the Hummingbird application — answer API, operations endpoints, the web page — over a job store
// and one worker.
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Settings of the server (the `vans serve` options).
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// Holds `jobs.sqlite`, `jobs/<id>/` (input and answer videos) and `uploads/` (bodies being received).
    public var dataDirectory: URL
    /// Most jobs waiting (not counting the running one) before submissions get 503.
    public var maxQueue: Int
    public var maxUploadBytes: Int
    /// Seconds SIGTERM waits for the running job before leaving it to be re-queued at the next start.
    public var shutdownGrace: Double
    public var retryAfterSeconds: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: URL, maxQueue: Int = 16,
                maxUploadBytes: Int = 200 << 20, shutdownGrace: Double = 30, retryAfterSeconds: Int = 5) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.maxQueue = maxQueue
        self.maxUploadBytes = maxUploadBytes
        self.shutdownGrace = shutdownGrace
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The server: opens the store (re-queueing interrupted jobs), starts the worker, serves until stopped.
public final class AnswerServer: Sendable {
    public let configuration: ServerConfiguration
    private let state: ServerState
    private let logger: Logger
    private let group = GroupBox()
    private let chat: ChatWorker?

    /// Opens the data directory and starts the worker; `pipelineFactory` runs on the worker thread.
    /// With `captionerFactory`, `POST /v1/chat/completions` serves that Qwen2.5-VL (loaded at the first request).
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "vans.serve"),
                pipelineFactory: @escaping PipelineFactory, captionerFactory: CaptionerFactory? = nil) throws {
        guard configuration.maxQueue >= 1 else { throw ServerFailure(message: "--max-queue must be at least 1, got \(configuration.maxQueue)") }
        guard configuration.maxUploadBytes >= 1 else { throw ServerFailure(message: "the upload limit must be positive") }
        self.configuration = configuration
        self.logger = logger
        let data = configuration.dataDirectory
        let jobs = data.appendingPathComponent("jobs", isDirectory: true)
        let uploads = data.appendingPathComponent("uploads", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
            // Bodies of requests cut off by a crash are never resumed.
            try? FileManager.default.removeItem(at: uploads)
            try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        } catch {
            throw ServerFailure(message: "\(data.path): cannot create the data directory (\(error.localizedDescription))")
        }
        let store = try JobStore(directory: data)
        let hub = EventHub()
        let metrics = ServerMetrics()
        let worker = AnswerWorker(store: store, hub: hub, metrics: metrics, jobsDirectory: jobs, capacity: configuration.maxQueue,
                                  logger: logger, factory: pipelineFactory)
        state = ServerState(store: store, worker: worker, hub: hub, metrics: metrics, jobsDirectory: jobs, uploadsDirectory: uploads,
                            maxUploadBytes: configuration.maxUploadBytes, retryAfterSeconds: configuration.retryAfterSeconds)
        chat = captionerFactory.map { ChatWorker(factory: $0) }
        try worker.start()
    }

    /// Serves until SIGTERM/SIGINT (when `handleSignals`) or until the calling task is cancelled, then stops the
    /// worker (waiting up to the grace for the running job). `onListening` gets the bound port.
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        AnswerRoutes.register(on: router, state: state)
        OperationRoutes.register(on: router, state: state)
        if let chat { ChatRoutes.register(on: router, worker: chat, state: state, modelName: "qwen2.5-vl") }
        let app = Application(router: router,
                              configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vans"),
                              onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        // A graceful shutdown reaches services in reverse order: the worker stops taking jobs at once, before the
        // HTTP server drains its connections (which can take a while), so queued jobs stay queued.
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app),
            .init(service: StopTakingJobsOnShutdown(worker: state.worker), successTerminationBehavior: .ignore),
        ]
        let serviceGroup = ServiceGroup(configuration: .init(services: services,
                                                             gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                                                             logger: logger))
        group.set(serviceGroup)
        defer { stopWorker() }
        try await serviceGroup.run()
    }

    /// Shuts a running server down gracefully (as SIGTERM does): open requests finish, then the worker stops.
    public func shutdown() async {
        await group.get()?.triggerGracefulShutdown()
    }

    /// Whether the worker still takes jobs (false once a shutdown has begun).
    var takesJobs: Bool { !state.worker.isStopping }

    /// Stops the worker; jobs left queued or running are resumed at the next start.
    public func stopWorker() {
        let finished = state.worker.stop(grace: configuration.shutdownGrace)
        logger.info("worker stopped", metadata: ["finishedRunningJob": "\(finished)", "queued": "\(state.worker.queueDepth)"])
    }
}

/// Waits for the group's graceful shutdown, then stops the worker taking jobs.
private struct StopTakingJobsOnShutdown: Service {
    let worker: AnswerWorker
    func run() async throws {
        try? await gracefulShutdown()
        worker.stopTakingJobs()
    }
}

/// The running service group, set once `run` starts.
final class GroupBox: @unchecked Sendable {
    private let lock = NSLock()
    private var group: ServiceGroup?
    func set(_ value: ServiceGroup) { lock.withLock { group = value } }
    func get() -> ServiceGroup? { lock.withLock { group } }
}

/// `/healthz`, `/metrics`, `/openapi.json` and the web page.
enum OperationRoutes {
    static func register(on router: Router<BasicRequestContext>, state: ServerState) {
        router.get("healthz") { _, _ in
            struct Health: Encodable { var status: String; var queueDepth: Int; var queueCapacity: Int }
            return try jsonResponse(Health(status: "ok", queueDepth: state.worker.queueDepth, queueCapacity: state.worker.capacity))
        }
        router.get("metrics") { _, _ in
            let text = state.metrics.render(queueDepth: state.worker.queueDepth, capacity: state.worker.capacity, jobs: try state.store.counts())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("openapi.json") { _, _ in try resource("openapi.json", contentType: "application/json") }
        router.get("/") { _, _ in try resource("index.html", contentType: "text/html; charset=utf-8") }
    }

    /// A file of `Resources/`, served as is.
    static func resource(_ name: String, contentType: String) throws -> Response {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources")
                ?? Bundle.module.url(forResource: name, withExtension: nil),
              let data = try? Data(contentsOf: url) else {
            throw APIError(.internalServerError, "missing_resource", "the server's resource \(name) is missing from its bundle")
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
