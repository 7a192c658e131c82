// `vans serve`: the answer API and web page over the VANS pipeline (issue 15).
import ArgumentParser
import Foundation
import Logging
import QwenVL
import VANS
import VANSServer

/// `vans serve`: ask a video a question over HTTP and watch the answer video appear.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the answer API (/v1/answers), its OpenAPI file and a web page.",
        discussion: """
            Jobs are stored in SQLite in --data before they are accepted, run one at a time by a worker that shares \
            one pipeline, and survive restarts (jobs that were running are re-queued). A full queue answers 503 with \
            Retry-After. Logs go to standard error; the line "listening http://HOST:PORT" goes to standard output.
            With --fake the pipeline is a scripted reasoner and a pattern renderer (no weights: demos and tests).
            With --rate DIR it serves the human-evaluation page instead (paper App. D.4): DIR is a results directory \
            of `vans eval` or `vans experiment ablation` (its samples.jsonl and videos); raters see each input video, \
            question and every row's answer video in a shuffled, anonymised order and give 1–5 scores of semantic \
            correctness, visual consistency and overall quality, stored in --data/ratings.sqlite. `vans report \
            ratings --data DIR` prints Table 5 from them. No models are loaded.
            Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 2 bad options or data directory.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Qwen2.5-VL model directory (the reasoner, and POST /v1/chat/completions; allowed with --fake).", valueName: "DIR"))
    var vlm: String?

    @Option(name: .long, help: ArgumentHelp("Wan2.1 diffusers pipeline directory (the renderer).", valueName: "DIR"))
    var vdm: String?

    @Flag(name: .long, help: "Serve the fake pipeline (scripted reasoner, pattern renderer) instead of models.")
    var fake = false

    @Option(name: .long, help: ArgumentHelp("With --fake: seconds each fake frame takes (to watch progress).", valueName: "SECONDS"))
    var fakeDelay: Double = 0

    @Option(name: .long, help: "Address to listen on (loopback by default).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .long, help: ArgumentHelp("Data directory: the job database, inputs and answer videos.", valueName: "DIR"))
    var data = "vans-serve-data"

    @Option(name: .long, help: ArgumentHelp("Jobs that may wait before submissions get 503.", valueName: "N"))
    var maxQueue = 16

    @Option(name: .long, help: ArgumentHelp("Largest request body in MiB (413 above).", valueName: "M"))
    var maxUploadMb = 200

    @Option(name: .long, help: ArgumentHelp("Seconds a shutdown waits for the running job before leaving it to the next start.", valueName: "SECONDS"))
    var shutdownGrace: Double = 30

    @Option(name: .long, help: ArgumentHelp("Serve the human-evaluation page over this results directory (vans eval --out) instead of the answer API.", valueName: "DIR"))
    var rate: String?

    @Option(name: .long, help: ArgumentHelp("With --rate: seed of the per-rater shuffled order of the systems.", valueName: "S"))
    var rateSeed: UInt64 = 0

    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel = "info"

    mutating func validate() throws {
        if let rate {
            guard vlm == nil, vdm == nil, !fake else { throw ValidationError("--rate serves ratings only: drop --vlm, --vdm and --fake") }
            try Self.checkDirectory(rate, option: "--rate")
        } else if fake {
            guard vdm == nil else { throw ValidationError("--fake renders no model: drop --vdm") }
            if let vlm { try Self.checkDirectory(vlm, option: "--vlm") }
        } else {
            guard let vlm, let vdm else { throw ValidationError("give --vlm DIR and --vdm DIR, or --fake") }
            try Self.checkDirectory(vlm, option: "--vlm")
            try Self.checkDirectory(vdm, option: "--vdm")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard maxQueue >= 1 else { throw ValidationError("--max-queue must be at least 1, got \(maxQueue)") }
        guard maxUploadMb >= 1 else { throw ValidationError("--max-upload-mb must be at least 1, got \(maxUploadMb)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    static func checkDirectory(_ path: String, option: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(option) \(path): not a directory")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "vans.serve")
        if let rate { return try await serveRatings(results: rate, logger: logger) }
        let factory = fake ? Self.fakePipelineFactory(delay: fakeDelay) : Self.pipelineFactory(vlm: vlm ?? "", vdm: vdm ?? "")
        let configuration = ServerConfiguration(host: host, port: port, dataDirectory: URL(fileURLWithPath: data, isDirectory: true),
                                                maxQueue: maxQueue, maxUploadBytes: maxUploadMb << 20, shutdownGrace: shutdownGrace)
        let server: AnswerServer
        // The chat endpoint serves --vlm (also beside --fake's answer pipeline).
        let captioner: CaptionerFactory? = vlm.map { path in { @Sendable in try QwenVLCaptioner(directory: URL(fileURLWithPath: path)) } }
        do { server = try AnswerServer(configuration: configuration, logger: logger, pipelineFactory: factory, captionerFactory: captioner) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let host = self.host
        try await server.run { port in
            FileHandle.standardOutput.write(Data("listening http://\(host):\(port)\n".utf8))
        }
    }

    /// `--rate DIR`: the human-evaluation page and its API.
    func serveRatings(results: String, logger: Logger) async throws {
        let server: RatingServer
        do {
            server = try RatingServer(results: URL(fileURLWithPath: results, isDirectory: true),
                                      dataDirectory: URL(fileURLWithPath: data, isDirectory: true), host: host, port: port,
                                      seed: rateSeed, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let host = self.host
        FileHandle.standardError.write(Data("rating \(server.set.examples.count) examples of \(server.set.systems.count) systems; ratings in \(server.store.path)\n".utf8))
        try await server.run { port in
            FileHandle.standardOutput.write(Data("listening http://\(host):\(port)\n".utf8))
        }
    }

    /// The real pipeline: Qwen2.5-VL reasons, Wan2.1 renders. The ONE place the model adapters are constructed.
    static func pipelineFactory(vlm: String, vdm: String) -> PipelineFactory {
        { @Sendable in
            try PipelineStages.pipeline(vlm: URL(fileURLWithPath: vlm), vdm: URL(fileURLWithPath: vdm))
        }
    }

    /// The fake pipeline: instant (or `delay` seconds per rendered frame), deterministic, no weights.
    static func fakePipelineFactory(delay: Double) -> PipelineFactory {
        { @Sendable in
            VANSPipeline(reasoner: ScriptedReasoner(answers: [
                "[Think]The video shows the first steps of a task; the next step follows from the last one.[/Think][Ans]The person continues with the next step.[/Ans]",
                "[Think]An object is moving steadily across the frame.[/Think][Ans]The object keeps moving to the right.[/Ans]",
            ], delay: delay), renderer: PatternRenderer(delay: delay))
        }
    }
}
