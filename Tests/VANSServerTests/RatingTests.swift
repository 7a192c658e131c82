// The human-evaluation page's back end (`vans serve --rate`): reading a results directory, the shuffled and
// anonymised presentation, the rating API on a real loopback server, and Table 5.
import Foundation
import Logging
import NIOHTTP1
import Testing
import VANS
@testable import VANSServer

/// A results directory as `vans eval` writes it: samples.jsonl and videos/ (3 samples × 3 systems, and one row
/// line without a video, which is skipped).
func makeResults(in directory: URL, systems: [String] = ["vans", "qwen-wan", "video-extension"]) throws -> URL {
    let results = directory.appendingPathComponent("results", isDirectory: true)
    var lines: [String] = []
    for (s, sample) in ["eval-p00000-q0", "eval-f00001-q0", "eval-p00002-q1"].enumerated() {
        let inputs = results.appendingPathComponent("videos/inputs", isDirectory: true)
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        _ = try syntheticVideo(in: inputs, name: "\(sample).mp4", frames: 4 + s)
        for (r, system) in systems.enumerated() {
            let folder = results.appendingPathComponent("videos/\(system)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = try syntheticVideo(in: folder, name: "\(sample).mp4", frames: 3 + r)
            lines.append(#"{"sample":"\#(sample)","row":"\#(system)","kind":"\#(s == 1 ? "predictive" : "procedural")","question":"What next \#(s)?","input_video":"videos/inputs/\#(sample).mp4","video":"videos/\#(system)/\#(sample).mp4","clip_v":0.5}"#)
        }
        lines.append(#"{"sample":"\#(sample)","row":"failed-row","question":"What next \#(s)?","input_video":"videos/inputs/\#(sample).mp4"}"#)
    }
    try (lines.joined(separator: "\n") + "\n").write(to: results.appendingPathComponent("samples.jsonl"), atomically: true, encoding: .utf8)
    return results
}

@Suite struct RatingSetTests {
    @Test func readsExamplesAndSystemsInFileOrder() throws {
        let scratch = try TemporaryDirectory("vans-rating-set")
        defer { scratch.cleanup() }
        let set = try RatingSet(directory: try makeResults(in: scratch.url))
        #expect(set.examples.map(\.id) == ["eval-p00000-q0", "eval-f00001-q0", "eval-p00002-q1"])
        #expect(set.systems == ["vans", "qwen-wan", "video-extension"])
        #expect(set.examples[1].kind == "predictive" && set.examples[1].question == "What next 1?")
        #expect(set.examples.allSatisfy { $0.answers.count == 3 && FileManager.default.fileExists(atPath: $0.inputVideo.path) })
    }

    @Test func refusesPathsOutsideTheDirectoryMissingVideosAndBadLines() throws {
        let scratch = try TemporaryDirectory("vans-rating-set")
        defer { scratch.cleanup() }
        let results = try makeResults(in: scratch.url)
        let file = results.appendingPathComponent("samples.jsonl")
        _ = try syntheticVideo(in: scratch.url, name: "outside.mp4")  // exists, but beside the results directory
        let good = #"{"sample":"s","row":"r","question":"q","input_video":"videos/inputs/eval-p00000-q0.mp4","video":"#
        let cases: [(String, (RatingSetError) -> Bool)] = [
            (good + #""../outside.mp4"}"#, { if case .videoOutsideDirectory(_, 2, _) = $0 { true } else { false } }),
            (good + #""videos/../../outside.mp4"}"#, { if case .videoOutsideDirectory(_, 2, _) = $0 { true } else { false } }),
            (good + #""\#(scratch.url.path)/outside.mp4"}"#, { if case .videoOutsideDirectory(_, 2, _) = $0 { true } else { false } }),
            (good + #""videos/vans/nothing.mp4"}"#, { if case .missingVideo(_, 2, "videos/vans/nothing.mp4") = $0 { true } else { false } }),
            (good + #""videos/vans"}"#, { if case .missingVideo = $0 { true } else { false } }),
            ("[1, 2]", { if case .malformedLine(_, 2, _) = $0 { true } else { false } }),
            (#"{"sample":"s","row":"r","video":"videos/vans/eval-p00000-q0.mp4"}"#, { if case .malformedLine(_, 2, let reason) = $0 { reason.contains("question") || reason.contains("input_video") } else { false } }),
        ]
        for (line, matches) in cases {
            try ("\n" + line + "\n").write(to: file, atomically: true, encoding: .utf8)
            do {
                _ = try RatingSet(directory: results)
                Issue.record("accepted \(line)")
            } catch {
                #expect(matches(error), "\(line): \(error)")
                #expect(error.description.contains(file.path))
            }
        }
        try "\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: RatingSetError.noExamples(path: file.path)) { try RatingSet(directory: results) }
        #expect(throws: RatingSetError.self) { try RatingSet(directory: scratch.url.appendingPathComponent("absent")) }
    }

    @Test func presentationIsAPermutationPerRaterAndExampleAndStable() throws {
        let scratch = try TemporaryDirectory("vans-rating-set")
        defer { scratch.cleanup() }
        let set = try RatingSet(directory: try makeResults(in: scratch.url, systems: ["a", "b", "c", "d", "e"]))
        var orders = Set<[Int]>()
        for rater in ["ann", "bob", "cy", "dee"] {
            for example in set.examples {
                let order = set.presentationOrder(of: example, rater: rater, seed: 0)
                #expect(order.sorted() == [0, 1, 2, 3, 4])
                #expect(order == set.presentationOrder(of: example, rater: rater, seed: 0))
                orders.insert(order)
            }
        }
        #expect(orders.count > 4, "12 rater/example pairs over 120 orders gave only \(orders.count) distinct orders")
        #expect(RatingServer.slotName(0) == "A" && RatingServer.slotName(25) == "Z" && RatingServer.slotName(26) == "AA")
    }
}

@Suite struct RatingTableTests {
    func record(_ rater: String, _ example: String, _ system: String, _ s: Int, _ v: Int, _ o: Int) -> RatingRecord {
        RatingRecord(rater: rater, example: example, system: system, semantic: s, visual: v, overall: o, updatedAt: 0)
    }

    @Test func meansAndIntervalsPerSystemAndCriterion() {
        let table = RatingTable(records: [record("a", "1", "vans", 5, 4, 5), record("a", "1", "base", 2, 3, 1),
                                          record("b", "1", "vans", 4, 4, 3), record("a", "2", "vans", 3, 4, 4)])
        #expect(table.rows.map(\.system) == ["vans", "base"])
        let vans = table.rows[0]
        #expect(vans.semantic.value == 4 && vans.visual.value == 4 && vans.overall.value == 4)
        #expect(vans.ratings == 3 && vans.raters == 2)
        #expect(vans.semantic.lower >= 3 && vans.semantic.upper <= 5 && vans.semantic.lower < vans.semantic.upper)
        #expect(vans.visual.lower == 4 && vans.visual.upper == 4)  // no spread, no interval
        #expect(table.rows[1].overall == ConfidenceInterval(value: 1, lower: 1, upper: 1))
        #expect(table == RatingTable(records: [record("a", "1", "vans", 5, 4, 5), record("a", "1", "base", 2, 3, 1),
                                               record("b", "1", "vans", 4, 4, 3), record("a", "2", "vans", 3, 4, 4)]))
        #expect(table.markdown.contains("| vans | 4.00 ["))
    }
}

@Suite(.serialized) struct RatingAPITests {
    /// The rating server in this process on an ephemeral loopback port.
    func start(results: URL, data: URL) async throws -> (RatingServer, Task<Void, any Error>, APIClient) {
        var logger = Logger(label: "vans.rate.test")
        logger.logLevel = .warning
        let server = try RatingServer(results: results, dataDirectory: data, port: 0, seed: 7, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await server.run(handleSignals: false) { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ServerFailureForTests(message: "the rating server did not report a port") }
        return (server, task, APIClient(client: testClient, base: "http://127.0.0.1:\(port)"))
    }

    func post(_ api: APIClient, _ json: String) async throws -> HTTPResult {
        try await api.send(.POST, "/v1/rating/ratings", headers: [("Content-Type", "application/json")], body: Data(json.utf8))
    }

    @Test func ratersSeeShuffledSlotsAndTheirRatingsReachTheRightSystem() async throws {
        let scratch = try TemporaryDirectory("vans-rating-api")
        defer { scratch.cleanup() }
        let results = try makeResults(in: scratch.url)
        let (server, task, api) = try await start(results: results, data: scratch.url.appendingPathComponent("data"))

        let page = try await api.send(.GET, "/")
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("/v1/rating/ratings"))
        let list = try await api.send(.GET, "/v1/rating/examples?rater=ann").json
        #expect(list["count"] as? Int == 3)

        let view = try await api.send(.GET, "/v1/rating/examples/1?rater=ann")
        #expect(view.status == 200)
        let text = String(decoding: view.body, as: UTF8.self)
        for system in server.set.systems { #expect(!text.contains(system), "the page names system \(system)") }
        #expect(view.json["question"] as? String == "What next 1?")
        let slots = (view.json["answers"] as? [[String: Any]] ?? []).compactMap { $0["slot"] as? String }
        #expect(slots == ["A", "B", "C"])

        // Each slot's video is the answer of the system the seeded order puts there.
        let example = server.set.examples[1]
        let order = server.set.presentationOrder(of: example, rater: "ann", seed: 7)
        for (position, slot) in slots.enumerated() {
            let video = try await api.send(.GET, "/v1/rating/examples/1/answers/\(slot)?rater=ann")
            let expected = try Data(contentsOf: example.answers[order[position]].video)
            #expect(video.status == 200 && video.body == expected)
        }
        let input = try await api.send(.GET, "/v1/rating/examples/1/input", headers: [("Range", "bytes=0-9")])
        let inputBytes = try Data(contentsOf: example.inputVideo)
        #expect(input.status == 206 && input.body == inputBytes.prefix(10))

        // Rate slot B; the store holds it under B's system, and the view returns it on that slot.
        let saved = try await post(api, #"{"rater":"ann","example":1,"slot":"B","semantic":5,"visual":4,"overall":3}"#)
        #expect(saved.status == 200)
        let records = try server.store.all()
        #expect(records.count == 1 && records[0].system == example.answers[order[1]].system && records[0].example == example.id)
        let again = try await post(api, #"{"rater":"ann","example":1,"slot":"B","semantic":2,"visual":2,"overall":2}"#)
        let overall = try server.store.all().map(\.overall)
        #expect(again.status == 200 && overall == [2])  // a rater's change of mind overwrites
        let rated = (try await api.send(.GET, "/v1/rating/examples/1?rater=ann").json["answers"] as? [[String: Any]])?[1]["rating"] as? [String: Int]
        #expect(rated == ["semantic": 2, "visual": 2, "overall": 2])
        let summary = (try await api.send(.GET, "/v1/rating/examples?rater=ann").json["examples"] as? [[String: Any]])?[1]
        #expect(summary?["rated"] as? Int == 1 && summary?["systems"] as? Int == 3)

        await server.shutdown()
        _ = try? await task.value
    }

    @Test func malformedRatingsGetJSONErrorsAndTheServerKeepsServing() async throws {
        let scratch = try TemporaryDirectory("vans-rating-api")
        defer { scratch.cleanup() }
        let (server, task, api) = try await start(results: try makeResults(in: scratch.url), data: scratch.url.appendingPathComponent("data"))
        let cases: [(String, Int, String)] = [
            (#"{"rater":"ann","example":0,"slot":"A","semantic":0,"visual":3,"overall":3}"#, 400, "invalid_score"),
            (#"{"rater":"ann","example":0,"slot":"A","semantic":3,"visual":6,"overall":3}"#, 400, "invalid_score"),
            (#"{"rater":"ann","example":0,"slot":"A","semantic":"5","visual":3,"overall":3}"#, 400, "invalid_json"),
            (#"{"rater":"ann","example":0,"slot":"A","semantic":4.5,"visual":3,"overall":3}"#, 400, "invalid_json"),
            (#"{"rater":"ann","example":0,"slot":"A"}"#, 400, "invalid_json"),
            ("not json", 400, "invalid_json"),
            (#"{"rater":"../etc","example":0,"slot":"A","semantic":3,"visual":3,"overall":3}"#, 400, "invalid_rater"),
            (#"{"rater":"","example":0,"slot":"A","semantic":3,"visual":3,"overall":3}"#, 400, "invalid_rater"),
            (#"{"rater":"ann","example":3,"slot":"A","semantic":3,"visual":3,"overall":3}"#, 404, "not_found"),
            (#"{"rater":"ann","example":-1,"slot":"A","semantic":3,"visual":3,"overall":3}"#, 404, "not_found"),
            (#"{"rater":"ann","example":0,"slot":"D","semantic":3,"visual":3,"overall":3}"#, 404, "not_found"),
        ]
        for (body, status, code) in cases {
            let result = try await post(api, body)
            #expect(result.status == status && result.errorCode == code, "\(body): \(result.status) \(result.errorCode ?? "-")")
        }
        for path in ["/v1/rating/examples/9?rater=ann", "/v1/rating/examples/x?rater=ann", "/v1/rating/examples/0/answers/Q?rater=ann"] {
            let result = try await api.send(.GET, path)
            #expect(result.status == 404 && result.errorCode == "not_found", "\(path)")
        }
        let noRater = try await api.send(.GET, "/v1/rating/examples/0")
        #expect(noRater.status == 400 && noRater.errorCode == "invalid_rater")
        let stored = try server.store.all()
        #expect(stored.isEmpty)
        let health = try await api.send(.GET, "/healthz")
        #expect(health.json["examples"] as? Int == 3)
        await server.shutdown()
        _ = try? await task.value
    }
}
