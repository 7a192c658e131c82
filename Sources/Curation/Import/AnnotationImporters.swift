// Importers for the annotation formats of the paper's sources (reference note video.md,
// "Dataset annotation formats"): COIN, YouCook2, ActivityNet Captions, V1-33K, Video-Holmes, and
// plain video folders. Each turns entries into `SourceVideo`s; a bad entry is reported and skipped.
import Data
import Foundation

/// The annotation layouts the importers understand.
public enum AnnotationFormat: String, Sendable, Codable, CaseIterable {
    case coin, youcook2, activitynet
    case v1 = "v1-33k"
    case videoHolmes = "video-holmes"
    /// A folder of videos without annotations: shots come from the content detector.
    case videos

    /// The paper's family for the source (Sec. 3: COIN and YouCook2 are procedural).
    public var defaultKind: SampleKind {
        switch self {
        case .coin, .youcook2: return .procedural
        default: return .predictive
        }
    }
}

/// How an importer treats events that overlap the previous one.
enum OverlapPolicy {
    /// The whole entry is skipped (step annotations must not overlap).
    case skipEntry
    /// The overlapping event is dropped and reported (ActivityNet's free-form events often overlap).
    case dropEvent
}

/// Reads one source's annotations.
public struct AnnotationImporter: Sendable {
    public var source: String
    public var format: AnnotationFormat
    public var kind: SampleKind
    /// The annotation file (unused for `.videos`).
    public var annotations: URL?
    /// The folder holding the videos.
    public var videos: URL
    /// COIN/YouCook2 `subset` to keep ("training", "validation", "testing"); nil keeps all.
    public var subset: String?
    /// Only these entry ids (an id not in the annotations is reported as unknown); nil keeps all.
    public var ids: [String]?
    /// At most this many videos (after the id filter), in annotation order.
    public var limit: Int?

    static let videoExtensions = ["mp4", "mkv", "webm", "avi", "mov"]

    public init(source: String, format: AnnotationFormat, kind: SampleKind? = nil, annotations: URL?, videos: URL,
                subset: String? = nil, ids: [String]? = nil, limit: Int? = nil) {
        self.source = source
        self.format = format
        self.kind = kind ?? format.defaultKind
        self.annotations = annotations
        self.videos = videos
        self.subset = subset
        self.ids = ids
        self.limit = limit
    }

    /// Reads the annotations and resolves every entry's video.
    /// - Throws: `CurationError.badAnnotations` when the file is unreadable or not the format's layout at all;
    ///   problems of single entries are returned in the result instead.
    public func run() throws -> ImportResult {
        var entries: [RawEntry]
        switch format {
        case .videos: entries = try listVideos()
        default:
            guard let annotations else {
                throw CurationError.badConfiguration(path: source, reason: "format '\(format.rawValue)' needs an 'annotations' file")
            }
            let root = try Self.readJSON(annotations)
            switch format {
            case .coin: entries = try RawEntry.coin(root, path: annotations.path, subset: subset)
            case .youcook2: entries = try RawEntry.youcook2(root, path: annotations.path, subset: subset)
            case .activitynet: entries = try RawEntry.activityNet(root, path: annotations.path)
            case .v1: entries = try RawEntry.v1(root, path: annotations.path)
            case .videoHolmes: entries = try RawEntry.videoHolmes(root, path: annotations.path)
            case .videos: entries = []
            }
        }
        var result = ImportResult()
        result.entries = entries.count
        if let ids {
            let present = Set(entries.map(\.id))
            for id in ids where !present.contains(id) {
                result.problems.append(ImportProblem(source: source, entry: id, reason: "unknown id: not in the annotations"))
            }
            let wanted = Set(ids)
            entries = entries.filter { wanted.contains($0.id) }
        }
        for entry in entries {
            if let limit, result.videos.count >= limit { break }
            if let video = resolve(entry, problems: &result.problems) {
                result.videos.append(video)
            } else {
                result.skippedEntries += 1
            }
        }
        return result
    }

    /// Checks an entry's events and finds its video; nil (with problems recorded) when it cannot be used.
    func resolve(_ entry: RawEntry, problems: inout [ImportProblem]) -> SourceVideo? {
        func report(_ reason: String) { problems.append(ImportProblem(source: source, entry: entry.id, reason: reason)) }
        if let problem = entry.problem { report(problem); return nil }
        guard !entry.id.isEmpty, !entry.id.contains("/"), entry.id != ".", entry.id != ".." else {
            report("entry id '\(entry.id)' is empty or not a plain name"); return nil
        }
        guard let path = findVideo(entry) else {
            let looked = entry.videoNames.map { videos.appendingPathComponent($0).path }
            report("video file not found (looked for \(looked.joined(separator: ", ")))"); return nil
        }
        var events: [AnnotatedEvent] = []
        for (index, raw) in entry.events.enumerated() {
            var range = raw.range
            if let duration = entry.duration, duration > 0, range.end > duration, range.start < duration {
                range.end = duration  // ActivityNet's segments may run past the video: clamp them (note).
            }
            if let problem = range.problem { report("event \(index): \(problem)"); return nil }
            let caption = raw.caption.trimmingCharacters(in: .whitespacesAndNewlines)
            if format != .videos && caption.isEmpty { report("event \(index) has an empty caption"); return nil }
            if let previous = events.last, range.start < previous.range.end {
                let message = "event \(index) [\(range.start), \(range.end)] overlaps the previous one ending at \(previous.range.end)"
                switch overlapPolicy {
                case .skipEntry: report(message); return nil
                case .dropEvent: report(message + "; event dropped"); continue
                }
            }
            events.append(AnnotatedEvent(range: range, caption: caption))
        }
        if format != .videos && events.count < 2 {
            report("fewer than 2 usable events (\(events.count)): a sample needs a context and a next event"); return nil
        }
        return SourceVideo(source: source, id: entry.id, kind: kind, videoPath: path, events: events)
    }

    var overlapPolicy: OverlapPolicy { format == .activitynet ? .dropEvent : .skipEntry }

    func findVideo(_ entry: RawEntry) -> String? {
        for name in entry.videoNames {
            let url = videos.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url.standardizedFileURL.path }
        }
        return nil
    }

    func listVideos() throws -> [RawEntry] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: videos.path) } catch {
            throw CurationError.badConfiguration(path: videos.path, reason: "cannot list the video folder: \(error.localizedDescription)")
        }
        return names.sorted().compactMap { name in
            let url = URL(fileURLWithPath: name)
            guard Self.videoExtensions.contains(url.pathExtension.lowercased()) else { return nil }
            return RawEntry(id: url.deletingPathExtension().lastPathComponent, videoNames: [name], events: [], duration: nil)
        }
    }

    static func readJSON(_ url: URL) throws -> Any {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CurationError.badAnnotations(path: url.path, reason: "unreadable: \(error.localizedDescription)")
        }
        do { return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw CurationError.badAnnotations(path: url.path, reason: "not valid JSON: \(error.localizedDescription)")
        }
    }
}
