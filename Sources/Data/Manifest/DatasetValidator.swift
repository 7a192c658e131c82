// Checks a dataset directory: the manifest parses line by line, ids are unique, kinds
// and texts are sound, and every video it names exists, decodes, and holds the frames its
// time ranges need. Each problem names the manifest line or the video file.
import Dispatch
import Foundation
import Support
import VideoIO

/// One thing wrong with a dataset.
public struct ValidationProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based manifest line, when the problem belongs to one.
    public var line: Int?
    /// The video file (relative to the manifest's directory), when the problem belongs to one.
    public var file: String?
    public var message: String

    public init(line: Int?, file: String?, message: String) {
        self.line = line
        self.file = file
        self.message = message
    }

    public var description: String {
        var location: [String] = []
        if let line { location.append("line \(line)") }
        if let file { location.append(file) }
        return (location.isEmpty ? "" : location.joined(separator: ", ") + ": ") + message
    }
}

/// The outcome of validating a dataset.
public struct ValidationReport: Sendable, Codable {
    public var manifest: String
    public var samples: Int
    public var videos: Int
    public var problems: [ValidationProblem]
    public var isValid: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey { case manifest, samples, videos, problems, valid }

    public init(manifest: String, samples: Int, videos: Int, problems: [ValidationProblem]) {
        self.manifest = manifest
        self.samples = samples
        self.videos = videos
        self.problems = problems
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        manifest = try container.decode(String.self, forKey: .manifest)
        samples = try container.decode(Int.self, forKey: .samples)
        videos = try container.decode(Int.self, forKey: .videos)
        problems = try container.decode([ValidationProblem].self, forKey: .problems)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(manifest, forKey: .manifest)
        try container.encode(samples, forKey: .samples)
        try container.encode(videos, forKey: .videos)
        try container.encode(problems, forKey: .problems)
        try container.encode(isValid, forKey: .valid)
    }
}

/// What a decoded video file holds.
struct VideoFacts: Sendable {
    var frames: Int
    var fps: Double
    var duration: Double
}

public enum DatasetValidator {
    /// Validates the dataset whose manifest is `path` or `path/manifest.jsonl`.
    /// Throws only when there is no manifest to read; everything else is a reported problem.
    public static func validate(_ path: URL) throws(DataError) -> ValidationReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path.path, reason: "no such file or directory")
        }
        let manifest = isDirectory.boolValue ? path.appendingPathComponent(Manifest.fileName) : path
        let data: Data
        do { data = try UserFile.read(manifest.path) } catch { throw .unreadable(path: manifest.path, reason: error.reason) }
        let directory = manifest.deletingLastPathComponent()
        let contents = Manifest.parse(data)
        var problems = contents.problems.map { ValidationProblem(line: $0.line, file: nil, message: $0.reason) }
        if contents.samples.isEmpty && contents.problems.isEmpty {
            problems.append(ValidationProblem(line: nil, file: nil, message: "the manifest holds no samples"))
        }
        let paths = Array(Set(contents.samples.flatMap { [$0.sample.inputVideo, $0.sample.answerVideo] })).sorted()
        let facts = inspect(paths, in: directory)
        for path in paths {
            if case .failure(let message) = facts[path] { problems.append(ValidationProblem(line: nil, file: path, message: message)) }
        }
        for (line, sample) in contents.samples {
            for (key, path, range) in [("input", sample.inputVideo, sample.inputRange), ("answer", sample.answerVideo, sample.answerRange)] {
                guard case .success(let video) = facts[path] else { continue }
                let available = Double(video.frames) / video.fps
                // Half a frame of slack: ranges are written as frames / fps.
                if range.end > available + 0.5 / video.fps {
                    problems.append(ValidationProblem(line: line, file: path, message: String(
                        format: "%@ range ends at %.3f s but the video holds %d frames (%.3f s)", key, range.end, video.frames, available)))
                } else if range.duration * video.fps < 1 - 1e-6 {
                    problems.append(ValidationProblem(line: line, file: path, message: "\(key) range holds less than one frame"))
                }
            }
        }
        return ValidationReport(manifest: manifest.path, samples: contents.samples.count, videos: paths.count, problems: problems)
    }

    private enum Inspection: Sendable {
        case success(VideoFacts)
        case failure(String)
    }

    /// Decodes every named video (in parallel, one decoder per file).
    private static func inspect(_ paths: [String], in directory: URL) -> [String: Inspection] {
        let results = InspectionSlots(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            results.set(index, inspect(directory.appendingPathComponent(paths[index]).path))
        }
        return Dictionary(uniqueKeysWithValues: zip(paths, results.values))
    }

    private static func inspect(_ path: String) -> Inspection {
        guard FileManager.default.fileExists(atPath: path) else { return .failure("missing video file") }
        do {
            let decoder = try VideoDecoder(path: path)
            var frames = 0
            try decoder.forEachFrame { _ in
                frames += 1
                return true
            }
            let info = decoder.info
            guard info.fps.isFinite, info.fps > 0 else { return .failure("frame rate \(info.fps) is not plausible") }
            let decodedSeconds = Double(frames) / info.fps
            // The container's duration and the decoded frames must agree to within a frame and a half.
            if info.duration.isFinite, info.duration > 0, abs(info.duration - decodedSeconds) > 1.5 / info.fps {
                return .failure(String(format: "container says %.3f s but %d frames (%.3f s) decode", info.duration, frames, decodedSeconds))
            }
            return .success(VideoFacts(frames: frames, fps: info.fps, duration: info.duration))
        } catch let error as VideoIOError {
            return .failure("not decodable: \(error.description)")
        } catch {
            return .failure("not decodable: \(error)")
        }
    }

    private final class InspectionSlots: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Inspection]

        init(count: Int) { slots = Array(repeating: .failure("not inspected"), count: count) }

        func set(_ index: Int, _ value: Inspection) {
            lock.lock()
            slots[index] = value
            lock.unlock()
        }

        var values: [Inspection] {
            lock.lock()
            defer { lock.unlock() }
            return slots
        }
    }
}
