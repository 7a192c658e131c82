// The per-format parsing behind `AnnotationImporter`: each layout of video.md into raw entries,
// tolerant of unknown keys, strict about the keys it needs (a problem names the key).
import Data
import Foundation

/// One annotation entry before its video is found and its events are checked.
struct RawEntry {
    var id: String
    /// File names to try, in order, inside the video folder.
    var videoNames: [String]
    var events: [AnnotatedEvent]
    /// The annotated duration, when the format gives one (segments past it are clamped).
    var duration: Double?
    /// Why the entry cannot be used at all.
    var problem: String?

    init(id: String, videoNames: [String], events: [AnnotatedEvent], duration: Double?, problem: String? = nil) {
        self.id = id
        self.videoNames = videoNames
        self.events = events
        self.duration = duration
        self.problem = problem
    }

    static func names(for id: String) -> [String] { AnnotationImporter.videoExtensions.map { "\(id).\($0)" } }

    static func number(_ value: Any?) -> Double? {
        // A JSON true/false is not a number (on Linux, `NSNumber(0) is Bool` holds, so compare the type).
        if let value, type(of: value) != Bool.self, let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String { return Double(text.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    /// A `[start, end]` pair of seconds.
    static func segment(_ value: Any?) -> TimeRange? {
        guard let pair = value as? [Any], pair.count == 2, let start = number(pair[0]), let end = number(pair[1]) else { return nil }
        return TimeRange(start: start, end: end)
    }

    /// "SS", "MM:SS" or "HH:MM:SS" (fractions allowed) in seconds.
    static func clockSeconds(_ text: String) -> Double? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0.0
        for part in parts {
            guard let value = Double(part), value.isFinite, value >= 0 else { return nil }
            total = total * 60 + value
        }
        return total
    }

    /// "MM:SS-MM:SS" (Video-Holmes' TimeRange) in seconds.
    static func clockRange(_ text: String) -> TimeRange? {
        let halves = text.split(separator: "-", omittingEmptySubsequences: false)
        guard halves.count == 2, let start = clockSeconds(String(halves[0])), let end = clockSeconds(String(halves[1])) else { return nil }
        return TimeRange(start: start, end: end)
    }

    static func database(_ root: Any, path: String) throws -> [(String, [String: Any])] {
        guard let top = root as? [String: Any], let database = top["database"] as? [String: Any] else {
            throw CurationError.badAnnotations(path: path, reason: "expected an object with a 'database' object")
        }
        return database.keys.sorted().map { ($0, database[$0] as? [String: Any] ?? [:]) }
    }

    /// COIN: `database.<id>.annotation[{segment, label}]`.
    static func coin(_ root: Any, path: String, subset: String?) throws -> [RawEntry] {
        try database(root, path: path).compactMap { id, entry in
            if let subset, let actual = entry["subset"] as? String, actual != subset { return nil }
            return steps(id: id, entry: entry, listKey: "annotation", textKey: "label")
        }
    }

    /// YouCook2: `database.<id>.annotations[{segment, sentence}]`.
    static func youcook2(_ root: Any, path: String, subset: String?) throws -> [RawEntry] {
        try database(root, path: path).compactMap { id, entry in
            if let subset, let actual = entry["subset"] as? String, actual != subset { return nil }
            return steps(id: id, entry: entry, listKey: "annotations", textKey: "sentence")
        }
    }

    static func steps(id: String, entry: [String: Any], listKey: String, textKey: String) -> RawEntry {
        var raw = RawEntry(id: id, videoNames: names(for: id), events: [], duration: number(entry["duration"]))
        guard let list = entry[listKey] as? [Any] else { raw.problem = "missing list '\(listKey)'"; return raw }
        for (index, item) in list.enumerated() {
            guard let step = item as? [String: Any], let range = segment(step["segment"]) else {
                raw.problem = "\(listKey)[\(index)] has no [start, end] 'segment'"; return raw
            }
            guard let text = step[textKey] as? String else {
                raw.problem = "\(listKey)[\(index)] has no '\(textKey)' (test files without sentences cannot be curated)"; return raw
            }
            raw.events.append(AnnotatedEvent(range: range, caption: text))
        }
        return raw
    }

    /// ActivityNet Captions: `{v_<id>: {duration, timestamps, sentences}}`, parallel arrays; `v_` stripped.
    static func activityNet(_ root: Any, path: String) throws -> [RawEntry] {
        guard let top = root as? [String: Any] else { throw CurationError.badAnnotations(path: path, reason: "expected an object of videos") }
        return top.keys.sorted().map { key in
            let id = key.hasPrefix("v_") ? String(key.dropFirst(2)) : key
            let entry = top[key] as? [String: Any] ?? [:]
            var raw = RawEntry(id: id, videoNames: names(for: key) + names(for: id), events: [], duration: number(entry["duration"]))
            guard let stamps = entry["timestamps"] as? [Any], let sentences = entry["sentences"] as? [Any] else {
                raw.problem = "missing 'timestamps' or 'sentences'"; return raw
            }
            guard stamps.count == sentences.count else {
                raw.problem = "'timestamps' has \(stamps.count) entries but 'sentences' \(sentences.count)"; return raw
            }
            for (index, (stamp, sentence)) in zip(stamps, sentences).enumerated() {
                guard let range = segment(stamp), let text = sentence as? String else {
                    raw.problem = "timestamps[\(index)]/sentences[\(index)] is not a [start, end] pair and a string"; return raw
                }
                raw.events.append(AnnotatedEvent(range: range, caption: text))
            }
            // Events are listed roughly in order; sort by start so overlap checks compare neighbours.
            raw.events.sort { $0.range.start < $1.range.start }
            return raw
        }
    }

    /// V1-33K `next_event_prediction.json`: a list with `full_video_path` and `events [{scene, description}]`.
    /// `scene` may be "MM:SS-MM:SS", a [start, end] pair or {start, end} (its schema is undocumented).
    static func v1(_ root: Any, path: String) throws -> [RawEntry] {
        guard let list = root as? [Any] else { throw CurationError.badAnnotations(path: path, reason: "expected a list of entries") }
        return list.enumerated().map { index, item in
            let entry = item as? [String: Any] ?? [:]
            let videoPath = (entry["full_video_path"] as? String) ?? (entry["video_path"] as? String) ?? ""
            let id = URL(fileURLWithPath: videoPath).deletingPathExtension().lastPathComponent
            // The loader drops the first path component; try the path as written, then without it.
            let components = videoPath.split(separator: "/")
            var namesToTry = [videoPath]
            if components.count > 1 { namesToTry.append(components.dropFirst().joined(separator: "/")) }
            var raw = RawEntry(id: videoPath.isEmpty ? "#\(index)" : id, videoNames: namesToTry, events: [], duration: nil)
            if videoPath.isEmpty || components.contains("..") || videoPath.hasPrefix("/") {
                raw.problem = "missing or unsafe 'full_video_path'"; return raw
            }
            guard let events = entry["events"] as? [Any] else { raw.problem = "missing list 'events'"; return raw }
            for (eventIndex, event) in events.enumerated() {
                guard let object = event as? [String: Any], let text = object["description"] as? String else {
                    raw.problem = "events[\(eventIndex)] has no 'description'"; return raw
                }
                let scene = object["scene"]
                var range: TimeRange?
                if let text = scene as? String { range = clockRange(text) }
                else if let pair = segment(scene) { range = pair }
                else if let span = scene as? [String: Any], let start = number(span["start"]), let end = number(span["end"]) {
                    range = TimeRange(start: start, end: end)
                }
                guard let range else { raw.problem = "events[\(eventIndex)].scene is not a time range"; return raw }
                raw.events.append(AnnotatedEvent(range: range, caption: text))
            }
            return raw
        }
    }

    /// Video-Holmes: a list of `{"video ID", "Segment Description": [{TimeRange: "MM:SS-MM:SS", Description}]}`;
    /// several questions share a video, which is imported once. Videos are `<video ID>.mp4`.
    static func videoHolmes(_ root: Any, path: String) throws -> [RawEntry] {
        guard let list = root as? [Any] else { throw CurationError.badAnnotations(path: path, reason: "expected a list of entries") }
        var seen = Set<String>()
        var entries: [RawEntry] = []
        for (index, item) in list.enumerated() {
            let entry = item as? [String: Any] ?? [:]
            let id = (entry["video ID"] as? String) ?? (number(entry["video ID"]).map { String(Int($0)) }) ?? "#\(index)"
            guard !seen.contains(id) else { continue }
            seen.insert(id)
            var raw = RawEntry(id: id, videoNames: names(for: id), events: [], duration: nil)
            guard let segments = entry["Segment Description"] as? [Any] else {
                raw.problem = "no 'Segment Description' (question-only files carry no time ranges)"
                entries.append(raw); continue
            }
            for (segmentIndex, segment) in segments.enumerated() {
                guard let object = segment as? [String: Any], let text = object["TimeRange"] as? String,
                      let range = clockRange(text), let description = object["Description"] as? String else {
                    raw.problem = "Segment Description[\(segmentIndex)] lacks a 'MM:SS-MM:SS' TimeRange or a Description"; break
                }
                raw.events.append(AnnotatedEvent(range: range, caption: description))
            }
            entries.append(raw)
        }
        return entries
    }
}
