// `vans serve --rate DIR`: the paper's human-evaluation page (App. D.4). For each example the rater sees the input
// video, the question and every system's answer video in a shuffled, anonymised order (slots A, B, C, … — the
// video URLs name slots, never systems), and gives 1–5 scores of semantic correctness, visual consistency and
// overall quality, stored in SQLite. `vans report ratings` turns them into Table 5.
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The rating server: a results directory, a ratings database, a web page.
public final class RatingServer: Sendable {
    public let set: RatingSet
    public let store: RatingStore
    /// Seeds the per-rater, per-example presentation order.
    public let seed: UInt64
    private let host: String
    private let port: Int
    private let logger: Logger
    private let group = GroupBox()

    public init(results: URL, dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8080, seed: UInt64 = 0,
                logger: Logger = Logger(label: "vans.rate")) throws {
        set = try RatingSet(directory: results)
        store = try RatingStore(directory: dataDirectory)
        self.seed = seed
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Serves until SIGTERM/SIGINT (when `handleSignals`) or until the calling task is cancelled.
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        RatingRoutes.register(on: router, server: self)
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "vans-rate"),
                              onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                                                      logger: logger))
        self.group.set(group)
        try await group.run()
    }

    /// Stops a running server gracefully (as SIGTERM does).
    public func shutdown() async {
        await group.get()?.triggerGracefulShutdown()
    }

    /// A rater name: 1–64 characters of letters, digits, `-`, `_` and `.`.
    static func validRater(_ rater: String?) throws -> String {
        guard let rater, (1...64).contains(rater.count),
              rater.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }) else {
            throw APIError(.badRequest, "invalid_rater", "rater must be 1–64 characters of letters, digits, '-', '_' or '.'")
        }
        return rater
    }

    /// Example `index` (0-based).
    func example(_ index: String?) throws -> (index: Int, example: RatingExample) {
        guard let index, let value = Int(index), set.examples.indices.contains(value) else {
            throw APIError(.notFound, "not_found", "no example '\(index ?? "")' (there are \(set.examples.count), numbered from 0)")
        }
        return (value, set.examples[value])
    }

    /// Slot letters in presentation order → indices into `example.answers`.
    func slots(of example: RatingExample, rater: String) -> [(slot: String, answer: Int)] {
        set.presentationOrder(of: example, rater: rater, seed: seed).enumerated().map { (Self.slotName($0.offset), $0.element) }
    }

    /// A, B, …, Z, AA, AB, …
    static func slotName(_ position: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return position < 26 ? String(letters[position]) : slotName(position / 26 - 1) + String(letters[position % 26])
    }
}

/// The rating API and page.
enum RatingRoutes {
    struct ExampleSummary: Encodable { var index: Int; var kind: String; var rated: Int; var systems: Int }
    struct ExampleList: Encodable { var count: Int; var examples: [ExampleSummary] }
    struct Slot: Encodable { var slot: String; var video: String; var rating: RatingScores? }
    struct ExampleView: Encodable {
        var index: Int
        var count: Int
        var kind: String
        var question: String
        var input: String
        var answers: [Slot]
    }
    struct RatingSubmission: Decodable {
        var rater: String
        var example: Int
        var slot: String
        var semantic: Int
        var visual: Int
        var overall: Int
    }

    static func register(on router: Router<BasicRequestContext>, server: RatingServer) {
        router.get("/") { _, _ in try OperationRoutes.resource("rate.html", contentType: "text/html; charset=utf-8") }
        router.get("healthz") { _, _ in
            struct Health: Encodable { var status: String; var examples: Int }
            return try jsonResponse(Health(status: "ok", examples: server.set.examples.count))
        }
        router.get("v1/rating/examples") { request, _ in
            let rater = try RatingServer.validRater(request.uri.queryParameters["rater"].map(String.init))
            let counts = try server.store.ratedCounts(rater: rater)
            let examples = server.set.examples.enumerated().map {
                ExampleSummary(index: $0.offset, kind: $0.element.kind, rated: counts[$0.element.id] ?? 0, systems: $0.element.answers.count)
            }
            return try jsonResponse(ExampleList(count: examples.count, examples: examples))
        }
        router.get("v1/rating/examples/:index") { request, context in
            let rater = try RatingServer.validRater(request.uri.queryParameters["rater"].map(String.init))
            let (index, example) = try server.example(context.parameters.get("index"))
            let stored = try server.store.ratings(rater: rater, example: example.id)
            let answers = server.slots(of: example, rater: rater).map { slot, answer in
                Slot(slot: slot, video: "/v1/rating/examples/\(index)/answers/\(slot)?rater=\(rater)",
                     rating: stored[example.answers[answer].system])
            }
            return try jsonResponse(ExampleView(index: index, count: server.set.examples.count, kind: example.kind, question: example.question,
                                                input: "/v1/rating/examples/\(index)/input", answers: answers))
        }
        router.get("v1/rating/examples/:index/input") { request, context in
            let (_, example) = try server.example(context.parameters.get("index"))
            return try FileResponder.respond(file: example.inputVideo, contentType: "video/mp4", request: request)
        }
        router.get("v1/rating/examples/:index/answers/:slot") { request, context in
            let rater = try RatingServer.validRater(request.uri.queryParameters["rater"].map(String.init))
            let (_, example) = try server.example(context.parameters.get("index"))
            let answer = try slotAnswer(server, example, rater: rater, slot: context.parameters.get("slot"))
            return try FileResponder.respond(file: example.answers[answer].video, contentType: "video/mp4", request: request)
        }
        router.post("v1/rating/ratings") { request, context in
            let body = try await request.body.collect(upTo: 64 << 10)
            let submission: RatingSubmission
            do { submission = try JSONDecoder().decode(RatingSubmission.self, from: Data(buffer: body)) } catch {
                throw APIError(.badRequest, "invalid_json",
                               "expected {rater, example, slot, semantic, visual, overall}: \((error as? DecodingError)?.plainDescription ?? "\(error)")")
            }
            let rater = try RatingServer.validRater(submission.rater)
            let (_, example) = try server.example(String(submission.example))
            let answer = try slotAnswer(server, example, rater: rater, slot: submission.slot)
            let scores = RatingScores(semantic: submission.semantic, visual: submission.visual, overall: submission.overall)
            guard scores.isValid else { throw APIError(.badRequest, "invalid_score", "semantic, visual and overall must each be an integer from 1 to 5") }
            try server.store.save(rater: rater, example: example.id, system: example.answers[answer].system, scores: scores)
            struct Saved: Encodable { var saved: Bool }
            return try jsonResponse(Saved(saved: true))
        }
    }

    /// The answer index behind `slot` for this rater.
    static func slotAnswer(_ server: RatingServer, _ example: RatingExample, rater: String, slot: String?) throws -> Int {
        guard let match = server.slots(of: example, rater: rater).first(where: { $0.slot == slot }) else {
            throw APIError(.notFound, "not_found", "no answer slot '\(slot ?? "")' in this example")
        }
        return match.answer
    }
}
