// Errors of the curation stages (shot detection, scene filtering, clip selection).

/// What went wrong while detecting shots or choosing clips; every case names the offending value.
public enum CurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An image whose byte count does not match its declared size.
    case malformedImage(width: Int, height: Int, byteCount: Int)
    /// A frame whose size differs from the first frame of the same video.
    case frameSizeChanged(frameIndex: Int, expected: String, actual: String)
    /// An option outside its valid range.
    case invalidOption(name: String, value: String, reason: String)
    /// A scene whose frame range is empty or reversed.
    case invalidScene(startFrame: Int, endFrame: Int)
    /// A clip scorer failed or returned a value that is not a finite number.
    case scoringFailed(startFrame: Int, endFrame: Int, reason: String)

    public var description: String {
        switch self {
        case let .malformedImage(width, height, byteCount):
            return "malformed image: \(width)×\(height) with 3 channels needs \(width * height * 3) bytes, got \(byteCount)"
        case let .frameSizeChanged(frameIndex, expected, actual):
            return "frame \(frameIndex) is \(actual) but the video's first frame is \(expected)"
        case let .invalidOption(name, value, reason):
            return "invalid \(name) \(value): \(reason)"
        case let .invalidScene(startFrame, endFrame):
            return "invalid scene: frames [\(startFrame), \(endFrame)) are empty or reversed"
        case let .scoringFailed(startFrame, endFrame, reason):
            return "scoring the clip of frames [\(startFrame), \(endFrame)) failed: \(reason)"
        }
    }
}
