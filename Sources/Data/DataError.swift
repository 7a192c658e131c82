// Errors of the Data target: manifests, dataset validation, the synthetic world and curation (shot
// detection, scene filtering, clip selection).
import Foundation

/// Everything that can go wrong while reading, writing, generating, curating or checking a dataset.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A manifest line that is not a valid sample; `line` is 1-based.
    case badManifestLine(file: String, line: Int, reason: String)
    /// The manifest (or a directory holding it) could not be read.
    case unreadable(path: String, reason: String)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)
    /// A video could not be encoded or inspected.
    case videoFailed(path: String, reason: String)
    /// A generator, curation or command option outside its allowed range.
    case invalidOption(name: String, value: String, reason: String)
    /// An image whose byte count does not match its declared size.
    case malformedImage(width: Int, height: Int, byteCount: Int)
    /// A frame whose size differs from the first frame of the same video.
    case frameSizeChanged(frameIndex: Int, expected: String, actual: String)
    /// A scene whose frame range is empty or reversed.
    case invalidScene(startFrame: Int, endFrame: Int)
    /// A clip scorer failed or returned a value that is not a finite number.
    case scoringFailed(startFrame: Int, endFrame: Int, reason: String)

    public var description: String {
        switch self {
        case .badManifestLine(let file, let line, let reason): return "\(file):\(line): \(reason)"
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
        case .videoFailed(let path, let reason): return "video \(path): \(reason)"
        case .invalidOption(let name, let value, let reason): return "invalid \(name) '\(value)': \(reason)"
        case let .malformedImage(width, height, byteCount):
            return "malformed image: \(width)×\(height) with 3 channels needs \(width * height * 3) bytes, got \(byteCount)"
        case let .frameSizeChanged(frameIndex, expected, actual):
            return "frame \(frameIndex) is \(actual) but the video's first frame is \(expected)"
        case let .invalidScene(startFrame, endFrame):
            return "invalid scene: frames [\(startFrame), \(endFrame)) are empty or reversed"
        case let .scoringFailed(startFrame, endFrame, reason):
            return "scoring the clip of frames [\(startFrame), \(endFrame)) failed: \(reason)"
        }
    }
}
