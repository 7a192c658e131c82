// End to end over every supported source format at once, on videos with cuts at known frames (VANS-Synth scenes
// and FFmpeg-style test patterns): raw videos through the content detector, annotated ones through their step
// boundaries, each with one shot under 3 s that must be dropped; every clip choice and question goes through the
// (scripted) VLM, procedural ones included. The shots found, the clips chosen and the clips written are all
// checked against the known cuts, to within one frame.
import Curation
import Data
import Foundation
import Testing
import VideoIO

@Suite(.serialized) struct AllSourcesEndToEndTests {
    /// One input video: its source, id, kind and the source frames of the shots that survive the 3 s filter.
    struct Expected {
        var key: String
        var kind: SampleKind
        var path: URL
        var keptShots: [Range<Int>]
    }

    /// 4 s, 2 s (dropped), 4 s, 4 s shots; annotated sources describe exactly these.
    static let annotatedLayout = [32, 16, 32, 32]
    static let stepSeconds: [(Double, Double)] = [(0, 4), (4, 6), (6, 10), (10, 14)]

    func makeInputs(_ root: URL) throws -> (config: URL, expected: [Expected]) {
        var expected: [Expected] = []
        func video(_ relative: String, key: String, kind: SampleKind, _ shots: [KnownShot]) throws {
            let url = root.appendingPathComponent(relative)
            let ranges = try writeKnownCutVideo(url, shots: shots)
            expected.append(Expected(key: key, kind: kind, path: url, keptShots: ranges.filter { $0.count >= 24 }))
        }
        func annotated(_ pictures: [ShotPicture]) -> [KnownShot] {
            zip(pictures, Self.annotatedLayout).map { KnownShot(picture: $0, frames: $1) }
        }
        // Raw videos (imported in file-name order): the content detector must find these cuts.
        try video("raw/pattern_film.mp4", key: "films/pattern_film", kind: .predictive,
                  [KnownShot(picture: .colourBars, frames: 32), KnownShot(picture: .scrollingField, frames: 16),
                   KnownShot(picture: .checkerboard, frames: 40), KnownShot(picture: .scrollingField, frames: 32)])
        try video("raw/synth_film.mp4", key: "films/synth_film", kind: .predictive,
                  [KnownShot(picture: .synth(index: 0), frames: 32), KnownShot(picture: .colourBars, frames: 16),
                   KnownShot(picture: .synth(index: 1), frames: 32), KnownShot(picture: .checkerboard, frames: 32),
                   KnownShot(picture: .synth(index: 2), frames: 32)])
        // Annotated videos, one per format.
        try video("coin/tea.mp4", key: "coin/tea", kind: .procedural, annotated([.synth(index: 3), .colourBars, .scrollingField, .synth(index: 4)]))
        try video("yc2/eggs.mp4", key: "yc2/eggs", kind: .procedural, annotated([.checkerboard, .synth(index: 5), .colourBars, .synth(index: 6)]))
        try video("anet/v_walk.mp4", key: "anet/walk", kind: .predictive, annotated([.synth(index: 7), .checkerboard, .synth(index: 8), .scrollingField]))
        try video("v1/full/dog.mp4", key: "v1/dog", kind: .predictive, annotated([.scrollingField, .synth(index: 9), .checkerboard, .synth(index: 10)]))
        try video("holmes/videos/film1.mp4", key: "holmes/film1", kind: .predictive, annotated([.synth(index: 11), .colourBars, .synth(index: 12), .checkerboard]))

        let steps = Self.stepSeconds
        let coinSteps = steps.enumerated().map { #"{"id": "\#($0.offset)", "segment": [\#($0.element.0), \#($0.element.1)], "label": "tea step \#($0.offset)"}"# }
        try write(#"{"database": {"tea": {"subset": "training", "annotation": [\#(coinSteps.joined(separator: ","))]}}}"#, "COIN.json", in: root)
        let yc2Steps = steps.enumerated().map { #"{"id": \#($0.offset), "segment": [\#($0.element.0), \#($0.element.1)], "sentence": "egg step \#($0.offset)"}"# }
        try write(#"{"database": {"eggs": {"subset": "training", "duration": 14, "annotations": [\#(yc2Steps.joined(separator: ","))]}}}"#, "yc2.json", in: root)
        let anetTimes = steps.map { "[\($0.0), \($0.1)]" }.joined(separator: ",")
        let anetSentences = (0..<steps.count).map { #"" walk event \#($0)""# }.joined(separator: ",")
        try write(#"{"v_walk": {"duration": 14, "timestamps": [\#(anetTimes)], "sentences": [\#(anetSentences)]}}"#, "anet.json", in: root)
        func clock(_ seconds: Double) -> String { String(format: "00:%02d", Int(seconds)) }
        let v1Events = steps.enumerated().map { #"{"scene": "\#(clock($0.element.0))-\#(clock($0.element.1))", "description": "dog event \#($0.offset)"}"# }
        try write(#"[{"video_path": "x/first/dog.mp4", "full_video_path": "data/full/dog.mp4", "events": [\#(v1Events.joined(separator: ","))]}]"#,
                  "v1.json", in: root.appendingPathComponent("v1"))
        let holmes = steps.enumerated().map { #"{"TimeRange": "\#(clock($0.element.0))-\#(clock($0.element.1))", "Description": "film event \#($0.offset)"}"# }
        try write(#"[{"video ID": "film1", "Question ID": "1", "Question Type": "SR", "Segment Description": [\#(holmes.joined(separator: ","))]}]"#,
                  "holmes.json", in: root)
        let config = try write("""
            {"sources": [{"name": "films", "format": "videos", "videos": "raw"},
                         {"name": "coin", "format": "coin", "annotations": "COIN.json", "videos": "coin"},
                         {"name": "yc2", "format": "youcook2", "annotations": "yc2.json", "videos": "yc2"},
                         {"name": "anet", "format": "activitynet", "annotations": "anet.json", "videos": "anet"},
                         {"name": "v1", "format": "v1-33k", "annotations": "v1/v1.json", "videos": "v1"},
                         {"name": "holmes", "format": "video-holmes", "annotations": "holmes.json", "videos": "holmes/videos"}]}
            """, "sources.json", in: root)
        return (config, expected)
    }

    // The shot split finds the known cuts (detected: within one frame; annotated: exactly) and drops the 2 s shot.
    @Test func shotsMatchTheKnownCuts() async throws {
        let root = try scratchDirectory("known-cuts")
        defer { try? FileManager.default.removeItem(at: root) }
        let (config, expected) = try makeInputs(root)
        let videos = try SourcesConfiguration.load(config).importers(relativeTo: root).flatMap { try $0.run().videos }
        #expect(videos.map(\.key) == expected.map(\.key))
        for (video, known) in zip(videos, expected) {
            #expect(video.kind == known.kind, "\(video.key)")
            let shots = try await StandardShotSplitter().shots(of: video)
            #expect(shots.count == known.keptShots.count, "\(video.key): \(shots.map { $0.startFrame..<$0.endFrame })")
            for (shot, truth) in zip(shots, known.keptShots) {
                let tolerance = video.events.isEmpty ? 1 : 0
                #expect(abs(shot.startFrame - truth.lowerBound) <= tolerance && abs(shot.endFrame - truth.upperBound) <= tolerance,
                        "\(video.key): shot \(shot.startFrame)..<\(shot.endFrame), cut at \(truth)")
            }
        }
    }

    // Every format in one run through the VLM stages: the expected samples come out and validate, each answer clip
    // lies inside a kept shot and each input clip spans kept shots (within a frame), and the files hold those frames.
    @Test func everyFormatCuratesSamplesAtTheKnownCuts() async throws {
        let root = try scratchDirectory("all-sources")
        defer { try? FileManager.default.removeItem(at: root) }
        let (config, expected) = try makeInputs(root)
        let videos = try SourcesConfiguration.load(config).importers(relativeTo: root).flatMap { try $0.run().videos }
        let prompts = try PromptLibrary()
        let recorder = PromptRecorder(inner: ScriptedVLM())
        let stages = CurationStages(splitter: StandardShotSplitter(), chooser: VLMClipChooser(client: recorder, prompts: prompts),
                                    generator: VLMQAGenerator(client: recorder, prompts: prompts))
        var options = CurationOptions()
        options.workers = 2
        let output = root.appendingPathComponent("out")
        let runner = try CurationRunner(output: output, stages: stages, options: options)
        let summary = try await runner.run(videos)
        let targets = expected.map { $0.keptShots.count - 1 }.reduce(0, +)
        #expect(summary.samples == targets)
        #expect(summary.failures.isEmpty && summary.rejections.isEmpty)
        #expect(try DatasetValidator.validate(output).problems.isEmpty)
        // The per-stage bars end complete: every video split, every kept shot scored, every target settled and written.
        let rows = Dictionary(uniqueKeysWithValues: runner.progress.snapshot.map { ($0.name, $0) })
        let keptShots = expected.map(\.keptShots.count).reduce(0, +)
        #expect(rows["videos"].map { [$0.done, $0.total] } == [videos.count, videos.count])
        #expect(rows["shots"]?.note == "\(keptShots) shots kept")
        #expect(rows["clips"].map { [$0.done, $0.total] } == [keptShots, keptShots])
        #expect(rows["qa"].map { [$0.done, $0.total] } == [targets, targets])
        #expect(rows["samples"].map { [$0.done, $0.total] } == [targets, targets])

        // Procedural clips are scored against their step caption with no captioning call; predictive segments are captioned first.
        let sent = recorder.prompts
        #expect(sent.contains { $0.contains("procedural tasks") && $0.contains("\"tea step 2\"") })
        #expect(sent.contains { $0.contains("procedural tasks") && $0.contains("\"egg step 3\"") })
        let captioned = recorder.requests.filter { $0.prompt.contains("Describe the main event") }.flatMap(\.clips)
        let rawShots = expected.filter { $0.key.hasPrefix("films/") }.map(\.keptShots.count).reduce(0, +)
        #expect(rawShots == 7 && captioned.count == rawShots, "one caption per kept shot of the two raw films: \(captioned.map { "\($0.videoPath) \($0.range)" })")

        let samples = try await runner.finishedSamples()
        let byKey = Dictionary(uniqueKeysWithValues: expected.map { ($0.key.replacingOccurrences(of: "/", with: "-"), $0) })
        for curated in samples {
            let sample = curated.sample
            let known = try #require(byKey.first { sample.id.hasPrefix($0.key + "-") }?.value, "\(sample.id)")
            #expect(sample.kind == known.kind)
            func shot(containing frames: [Int]) -> Range<Int>? {
                known.keptShots.first { frames[0] >= $0.lowerBound - 1 && frames[1] <= $0.upperBound + 1 }
            }
            #expect(shot(containing: curated.answerSourceFrames) != nil, "\(sample.id): answer \(curated.answerSourceFrames) in \(known.keptShots)")
            #expect(shot(containing: [curated.inputSourceFrames[0], curated.inputSourceFrames[0] + 1]) != nil)
            #expect(shot(containing: [curated.inputSourceFrames[1] - 1, curated.inputSourceFrames[1]]) != nil)
            #expect(curated.inputSourceFrames[1] <= curated.answerSourceFrames[0])
            #expect(sample.answerRange.duration >= 3 - 1 / testFPS && sample.answerRange.duration <= 5 + 1 / testFPS)
            // The written clips hold exactly the chosen source frames.
            let source = try VideoDecoder(path: known.path.path).decodeAll()
            for (name, range) in [(sample.answerVideo, curated.answerSourceFrames), (sample.inputVideo, curated.inputSourceFrames)] {
                let clip = try VideoDecoder(path: output.appendingPathComponent(name).path).decodeAll()
                #expect(clip.count == range[1] - range[0], "\(name)")
                // Re-encoding leaves a few levels of error; the right source frame must still be the closest of its neighbours.
                for (offset, frame) in clip.enumerated() where range[0] + offset < source.count {
                    let index = range[0] + offset
                    let difference = meanAbsoluteDifference(frame, source[index])
                    let nearest = (max(0, index - 2)...min(source.count - 1, index + 2)).map { meanAbsoluteDifference(frame, source[$0]) }.min() ?? 0
                    #expect(difference < 8 && difference <= nearest + 0.5, "\(name) frame \(offset): source frame \(index) differs by \(difference), a neighbour by \(nearest)")
                }
            }
        }
    }
}

/// Records every prompt sent to the wrapped client.
final class PromptRecorder: VLMClient, @unchecked Sendable {
    let inner: any VLMClient
    private let lock = NSLock()
    private var sent: [VLMRequest] = []
    init(inner: any VLMClient) { self.inner = inner }
    var requests: [VLMRequest] { lock.withLock { sent } }
    var prompts: [String] { requests.map(\.prompt) }
    func complete(_ request: VLMRequest) async throws -> String {
        lock.withLock { sent.append(request) }
        return try await inner.complete(request)
    }
}
