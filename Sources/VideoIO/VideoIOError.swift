// The one error type of the VideoIO target: every failure names the file it concerns.

/// Errors from opening, decoding and encoding video files.
public enum VideoIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path does not exist, is not a regular file, or cannot be read.
    case unreadablePath(path: String, reason: String)
    /// FFmpeg could not open or probe the file as a media container (corrupt, truncated, empty, not a video).
    case cannotOpen(path: String, reason: String)
    /// The container holds no video stream.
    case noVideoStream(path: String)
    /// The video stream's codec has no decoder in this FFmpeg build, or the decoder refused to open.
    case unsupportedCodec(path: String, codec: String)
    /// Reading or decoding failed part-way.
    case decodeFailed(path: String, reason: String)
    /// The file decoded to zero frames.
    case noFrames(path: String)
    /// A caller-supplied argument is out of range (size, fps, timestamps, frame buffer length).
    case invalidArgument(path: String, reason: String)
    /// Encoding or writing the output file failed; the destination was left untouched.
    case encodeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadablePath(let path, let reason): return "\(path): cannot read the file (\(reason))"
        case .cannotOpen(let path, let reason): return "\(path): not a readable media file (\(reason))"
        case .noVideoStream(let path): return "\(path): the file contains no video stream"
        case .unsupportedCodec(let path, let codec): return "\(path): unsupported video codec '\(codec)'"
        case .decodeFailed(let path, let reason): return "\(path): decoding failed (\(reason))"
        case .noFrames(let path): return "\(path): the video stream decoded to no frames (empty or corrupt)"
        case .invalidArgument(let path, let reason): return "\(path): invalid argument: \(reason)"
        case .encodeFailed(let path, let reason): return "\(path): encoding failed (\(reason))"
        }
    }
}
