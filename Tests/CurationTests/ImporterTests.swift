// Importers over small hand-written annotation files in each format of video.md.
import Curation
import Data
import Foundation
import Testing

@Suite struct ImporterTests {
    /// Makes empty placeholder video files (importers only check that they exist).
    func touch(_ names: [String], in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in names { _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data()) }
    }

    // COIN: good entries import in order; missing videos, reversed and overlapping segments and unknown ids are reported and counted.
    @Test func coinReportsEveryBadEntry() throws {
        let root = try scratchDirectory("coin")
        defer { try? FileManager.default.removeItem(at: root) }
        try touch(["good.mp4", "reversed.mp4", "overlap.mp4", "test.mkv"], in: root.appendingPathComponent("videos"))
        let json = """
            {"database": {
              "good": {"subset": "training", "class": "make tea", "annotation": [
                 {"id": "1", "segment": [0.5, 4.0], "label": "boil water"}, {"id": "2", "segment": [4.0, 9.0], "label": "pour water"}]},
              "missing": {"subset": "training", "annotation": [{"id": "1", "segment": [0, 4], "label": "a"}, {"id": "2", "segment": [4, 8], "label": "b"}]},
              "reversed": {"subset": "training", "annotation": [{"id": "1", "segment": [5, 4], "label": "a"}, {"id": "2", "segment": [6, 9], "label": "b"}]},
              "overlap": {"subset": "training", "annotation": [{"id": "1", "segment": [0, 5], "label": "a"}, {"id": "2", "segment": [4, 9], "label": "b"}]},
              "test": {"subset": "testing", "annotation": [{"id": "1", "segment": [0, 4], "label": "a"}, {"id": "2", "segment": [4, 8], "label": "b"}]}
            }}
            """
        let file = try write(json, "COIN.json", in: root)
        let importer = AnnotationImporter(source: "coin", format: .coin, annotations: file, videos: root.appendingPathComponent("videos"),
                                          subset: "training", ids: ["good", "missing", "reversed", "overlap", "nosuch"])
        let result = try importer.run()
        #expect(result.videos.map(\.id) == ["good"])
        #expect(result.videos[0].kind == .procedural)
        #expect(result.videos[0].events == [AnnotatedEvent(range: TimeRange(start: 0.5, end: 4), caption: "boil water"),
                                            AnnotatedEvent(range: TimeRange(start: 4, end: 9), caption: "pour water")])
        #expect(result.skippedEntries == 3)
        let reasons = Dictionary(grouping: result.problems, by: \.entry).mapValues { $0.map(\.reason).joined() }
        #expect(reasons["nosuch"]?.contains("unknown id") == true)
        #expect(reasons["missing"]?.contains("video file not found") == true)
        #expect(reasons["reversed"]?.contains("empty or reversed") == true)
        #expect(reasons["overlap"]?.contains("overlaps") == true)
    }

    // YouCook2 sentences become captions; an entry without sentences (the test split) is reported.
    @Test func youcook2() throws {
        let root = try scratchDirectory("yc2")
        defer { try? FileManager.default.removeItem(at: root) }
        try touch(["abc.mp4", "nos.mp4"], in: root)
        let file = try write("""
            {"database": {"abc": {"duration": 20, "subset": "validation", "recipe_type": "113", "annotations": [
              {"id": 0, "segment": [2, 6], "sentence": "crack the eggs"}, {"id": 1, "segment": [7, 12], "sentence": "whisk the eggs"}]},
              "nos": {"subset": "validation", "annotations": [{"id": 0, "segment": [2, 6]}]}}}
            """, "yc2.json", in: root)
        let result = try AnnotationImporter(source: "yc2", format: .youcook2, annotations: file, videos: root).run()
        #expect(result.videos.map(\.id) == ["abc"])
        #expect(result.videos[0].events.map(\.caption) == ["crack the eggs", "whisk the eggs"])
        #expect(result.problems.map(\.entry) == ["nos"])
    }

    // ActivityNet: `v_` stripped, leading spaces trimmed, segments past the duration clamped, overlapping events dropped and reported.
    @Test func activityNet() throws {
        let root = try scratchDirectory("anet")
        defer { try? FileManager.default.removeItem(at: root) }
        try touch(["v_xyz.mp4"], in: root)
        let file = try write("""
            {"v_xyz": {"duration": 30.0, "timestamps": [[0, 8.5], [6, 12], [9, 20], [21, 35]],
                       "sentences": [" A man walks in.", " He sits.", " He picks up a guitar.", " He plays it."]}}
            """, "train.json", in: root)
        let result = try AnnotationImporter(source: "anet", format: .activitynet, annotations: file, videos: root).run()
        #expect(result.videos.count == 1)
        let video = try #require(result.videos.first)
        #expect(video.id == "xyz")
        #expect(video.kind == .predictive)
        #expect(video.events.map(\.caption) == ["A man walks in.", "He picks up a guitar.", "He plays it."])
        #expect(video.events.last?.range == TimeRange(start: 21, end: 30))
        #expect(result.problems.count == 1 && result.problems[0].reason.contains("overlaps"))
    }

    // V1-33K: "MM:SS-MM:SS", [s, e] and {start, end} scenes are read; the loader's first path component may be absent on disk.
    @Test func v1() throws {
        let root = try scratchDirectory("v1")
        defer { try? FileManager.default.removeItem(at: root) }
        try touch(["clip1.mp4"], in: root.appendingPathComponent("full"))
        let file = try write("""
            [{"video_path": "x/first_part_video/clip1.mp4", "full_video_path": "data/full/clip1.mp4", "caption": "c",
              "events": [{"scene": "00:00-00:04", "description": "a dog runs"}, {"scene": [4, 9], "description": "it jumps"},
                         {"scene": {"start": 9, "end": 12.5}, "description": "it lands"}],
              "video_split": {"scenes_timestep": [1, 2], "unknown_key": true}},
             {"full_video_path": "data/full/none.mp4", "events": [{"scene": "bad", "description": "x"}]}]
            """, "next_event_prediction.json", in: root)
        let result = try AnnotationImporter(source: "v1", format: .v1, annotations: file, videos: root).run()
        #expect(result.videos.map(\.id) == ["clip1"])
        #expect(result.videos.first?.events.map(\.range) == [TimeRange(start: 0, end: 4), TimeRange(start: 4, end: 9), TimeRange(start: 9, end: 12.5)])
        #expect(result.problems.count == 1 && result.problems[0].reason.contains("scene"))
    }

    // Video-Holmes: segments parsed from "MM:SS-MM:SS"; several questions on one video give one entry; question-only entries are reported.
    @Test func videoHolmes() throws {
        let root = try scratchDirectory("holmes")
        defer { try? FileManager.default.removeItem(at: root) }
        try touch(["film1.mp4", "film2.mp4"], in: root.appendingPathComponent("videos"))
        let segments = #"[{"TimeRange": "00:00-00:05", "Description": "a woman opens a door"}, {"TimeRange": "00:05-01:02", "Description": "she finds a letter"}]"#
        let file = try write("""
            [{"video ID": "film1", "Question ID": "1", "Question Type": "SR", "Segment Description": \(segments)},
             {"video ID": "film1", "Question ID": "2", "Question Type": "TCI", "Segment Description": \(segments)},
             {"video ID": "film2", "Question ID": "3", "Question Type": "MHR", "Question": "why?", "Options": {"A": "x"}, "Answer": "A"}]
            """, "train_Video-Holmes.json", in: root)
        let result = try AnnotationImporter(source: "holmes", format: .videoHolmes, annotations: file, videos: root.appendingPathComponent("videos")).run()
        #expect(result.videos.map(\.id) == ["film1"])
        #expect(result.videos.first?.events.last?.range == TimeRange(start: 5, end: 62))
        #expect(result.problems.map(\.entry) == ["film2"])
    }

    // A file that is not the format's layout is a typed error naming the file, not a crash.
    @Test func wrongLayoutIsAnError() throws {
        let root = try scratchDirectory("bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try write("[1, 2, 3]", "COIN.json", in: root)
        #expect(throws: CurationError.self) { try AnnotationImporter(source: "coin", format: .coin, annotations: file, videos: root).run() }
        let broken = try write("{not json", "x.json", in: root)
        #expect(throws: CurationError.self) { try AnnotationImporter(source: "a", format: .activitynet, annotations: broken, videos: root).run() }
    }
}
