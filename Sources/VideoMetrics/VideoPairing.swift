// Pairing generated and reference videos by file name, and reading their captions, for `vans metrics video`.
import Foundation
import Support

/// Generated and reference videos matched by file name.
public struct VideoPairs: Sendable, Equatable {
    /// The shared file names, sorted (the order of every per-video list).
    public var names: [String]
    /// The generated directory.
    public var generated: URL
    /// The reference directory.
    public var reference: URL

    /// File extensions read as videos.
    public static let videoExtensions: Set<String> = ["mp4", "mov", "mkv", "webm", "avi", "m4v", "gif"]

    /// Pairs the videos of two directories by file name; a video without a partner is an error listing every
    /// unpaired name, and so are empty directories.
    public init(generated: URL, reference: URL) throws(VideoMetricsError) {
        let generatedNames = try Self.videoNames(in: generated)
        let referenceNames = try Self.videoNames(in: reference)
        let onlyGenerated = generatedNames.subtracting(referenceNames).sorted()
        let onlyReference = referenceNames.subtracting(generatedNames).sorted()
        guard onlyGenerated.isEmpty, onlyReference.isEmpty else {
            var parts: [String] = []
            if !onlyGenerated.isEmpty { parts.append("no reference for \(onlyGenerated.joined(separator: ", ")) (in \(reference.path))") }
            if !onlyReference.isEmpty { parts.append("no generated video for \(onlyReference.joined(separator: ", ")) (in \(generated.path))") }
            throw .invalidInput("videos do not pair by file name: " + parts.joined(separator: "; "))
        }
        guard !generatedNames.isEmpty else { throw .invalidInput("\(generated.path) holds no videos (\(Self.videoExtensions.sorted().joined(separator: ", ")))") }
        names = generatedNames.sorted()
        self.generated = generated
        self.reference = reference
    }

    private static func videoNames(in directory: URL) throws(VideoMetricsError) -> Set<String> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .invalidInput("\(directory.path) is not a directory")
        }
        let contents: [String]
        do { contents = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw .invalidInput("\(directory.path): cannot list (\(error.localizedDescription))")
        }
        return Set(contents.filter { videoExtensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") })
    }

    /// The captions of `names` from `file`: either one caption per line in file-name order (exactly one line per
    /// video), or JSON lines `{"video": name, "caption": text}` (every video exactly once; a file whose first
    /// non-empty line starts with "{" is read as JSON lines).
    public static func captions(file: URL, names: [String]) throws(VideoMetricsError) -> [String] {
        let text: String
        do { text = try UserFile.readText(file.path) } catch { throw .invalidInput("captions: \(error.description)") }
        var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        let isJSONLines = lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?
            .trimmingCharacters(in: .whitespaces).hasPrefix("{") ?? false
        guard isJSONLines else {
            guard lines.count == names.count else {
                throw .invalidInput("\(file.path): \(lines.count) caption lines for \(names.count) videos (one line per video, in file-name order)")
            }
            return lines
        }
        var byName: [String: String] = [:]
        for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            struct Entry: Decodable { var video: String; var caption: String }
            guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(line.utf8)) else {
                throw .invalidInput("\(file.path) line \(number + 1): expected {\"video\": name, \"caption\": text}")
            }
            guard byName[entry.video] == nil else { throw .invalidInput("\(file.path) line \(number + 1): video \(entry.video) captioned twice") }
            byName[entry.video] = entry.caption
        }
        let missing = names.filter { byName[$0] == nil }
        let unknown = byName.keys.filter { !names.contains($0) }.sorted()
        guard missing.isEmpty, unknown.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("no caption for \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { parts.append("captions for unknown videos \(unknown.joined(separator: ", "))") }
            throw .invalidInput("\(file.path): " + parts.joined(separator: "; "))
        }
        return names.map { byName[$0]! }
    }
}
