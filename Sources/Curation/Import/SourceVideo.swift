// What every importer produces (paper Sec. 3 "data collection"): one video file and its ordered
// events, each a time range with a caption, plus the problems found on the way.
import Data
import Foundation

/// One annotated (or raw) event of a source video.
public struct AnnotatedEvent: Sendable, Equatable, Codable {
    /// Seconds in the source video, `[start, end)`.
    public var range: TimeRange
    /// The step label or event description ("" for raw videos, whose events come from the shot detector).
    public var caption: String

    public init(range: TimeRange, caption: String) {
        self.range = range
        self.caption = caption
    }
}

/// A source video ready for curation.
public struct SourceVideo: Sendable, Equatable, Codable {
    /// Source name from the configuration ("coin", "youcook2", …); part of every unit and sample id.
    public var source: String
    /// The entry's id within its source (YouTube id, file stem, …).
    public var id: String
    public var kind: SampleKind
    /// Absolute path of the video file.
    public var videoPath: String
    /// Ordered, non-overlapping events; empty for raw videos (the shot detector finds them).
    public var events: [AnnotatedEvent]

    public init(source: String, id: String, kind: SampleKind, videoPath: String, events: [AnnotatedEvent]) {
        self.source = source
        self.id = id
        self.kind = kind
        self.videoPath = videoPath
        self.events = events
    }

    /// `source/id`, the prefix of this video's unit ids.
    public var key: String { "\(source)/\(id)" }
}

/// One annotation entry (or one event of it) that was skipped, and why.
public struct ImportProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public var source: String
    /// The entry id as the annotation file spells it (or "#index" when it has none).
    public var entry: String
    public var reason: String

    public init(source: String, entry: String, reason: String) {
        self.source = source
        self.entry = entry
        self.reason = reason
    }

    public var description: String { "\(source) \(entry): \(reason)" }
}

/// Everything an importer found.
public struct ImportResult: Sendable {
    public var videos: [SourceVideo] = []
    public var problems: [ImportProblem] = []
    /// Entries read from the annotation file.
    public var entries = 0
    /// Entries skipped whole (each has at least one problem).
    public var skippedEntries = 0

    public init() {}
}
