// Plain value types for decoded frames and stream facts, independent of the tensor engine.

/// One RGB24 frame: `pixels` holds `height · width · 3` bytes in row-major HWC order (R, G, B per pixel).
public struct VideoFrame: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Interleaved RGB bytes, `pixels[(y · width + x) · 3 + channel]`.
    public var pixels: [UInt8]
    /// Presentation time in seconds (from FFmpeg's `best_effort_timestamp`, relative to the stream's start time).
    public var timestamp: Double
    /// Position in decode-output (display) order, counting from 0; equals the frame number for constant-rate files.
    public var index: Int

    /// Creates a frame; `pixels.count` must equal `width · height · 3`.
    public init(width: Int, height: Int, pixels: [UInt8], timestamp: Double = 0, index: Int = 0) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "VideoFrame needs width·height·3 bytes, got \(pixels.count) for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.timestamp = timestamp
        self.index = index
    }
}

/// Facts about a file's best video stream, as reported by `vans video info`.
public struct VideoInfo: Sendable, Equatable, Codable {
    /// The file the facts describe.
    public var path: String
    /// Duration in seconds (the stream's duration, else the container's).
    public var duration: Double
    /// Average frame rate in frames per second (the stream's `avg_frame_rate`, else `r_frame_rate`).
    public var fps: Double
    /// Coded picture width in pixels.
    public var width: Int
    /// Coded picture height in pixels.
    public var height: Int
    /// Number of frames: the container's count when it stores one, otherwise the number of video packets.
    public var frameCount: Int
    /// FFmpeg's short codec name, e.g. `h264`.
    public var codec: String

    /// Creates a description from its parts.
    public init(path: String, duration: Double, fps: Double, width: Int, height: Int, frameCount: Int, codec: String) {
        self.path = path
        self.duration = duration
        self.fps = fps
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.codec = codec
    }

    enum CodingKeys: String, CodingKey {
        case path, duration, fps, width, height, codec
        case frameCount = "frame_count"
    }
}

/// The swscale filter used when a frame is converted to a different size.
public enum ScalingFilter: Sendable {
    /// `SWS_BILINEAR`: at the native size this is byte-identical to OpenCV's `VideoCapture` output.
    case bilinear
    /// `SWS_BICUBIC`.
    case bicubic
    /// `SWS_AREA`: box averaging, good for large downscales.
    case area
    /// `SWS_POINT`: nearest neighbour.
    case nearest
}
