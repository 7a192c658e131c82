// Shot detection straight from a video file: frames from VideoIO's FFmpeg decoder (RGB24 at
// the native size, byte-identical to OpenCV's VideoCapture, PySceneDetect's default backend).
import Support
import VideoIO

extension PackedImage {
    /// Wraps a decoded RGB24 frame; throws if its byte count does not match its size.
    public init(_ frame: VideoFrame) throws {
        try self.init(width: frame.width, height: frame.height, order: .rgb, pixels: frame.pixels)
    }
}

extension ShotDetector {
    /// Decodes every frame of the video at `path` and detects its shots, with the frame rate
    /// the container reports. Draws a progress bar on standard error when `showProgress` and
    /// standard error is a terminal.
    /// - Throws: `VideoIOError` for unreadable, corrupt or non-video files; `DataError` for
    ///   bad options or frames that change size mid-stream.
    public static func detect(videoAt path: String, options: ShotDetectionOptions = ShotDetectionOptions(),
                              showProgress: Bool = false) throws -> ShotDetectionResult {
        let decoder = try VideoDecoder(path: path)
        guard decoder.info.fps.isFinite, decoder.info.fps > 0 else {
            throw DataError.invalidOption(name: "frame rate of \(path)", value: "\(decoder.info.fps)",
                                              reason: "the container reports no usable frame rate")
        }
        var detector = try ShotDetector(options: options, framesPerSecond: decoder.info.fps)
        let progress = showProgress ? ProgressBar(total: max(decoder.info.frameCount, 1), label: "shots") : nil
        try decoder.forEachFrame { frame in
            try detector.process(try PackedImage(frame))
            progress?.advance()
            return true
        }
        progress?.finish()
        return detector.result()
    }
}
