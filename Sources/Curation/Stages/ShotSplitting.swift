// Shot split (paper Sec. 3): ground-truth step boundaries for annotated sources, PySceneDetect's content
// detector for raw videos; then the 3 s filter.
import Data
import Foundation
import VideoIO

/// Annotated boundaries when the video has events, the content detector otherwise.
public struct StandardShotSplitter: ShotSplitter {
    /// Shots shorter than this are dropped (3 s in the paper).
    public var minimumSeconds: Double
    public var detection: ShotDetectionOptions

    public init(minimumSeconds: Double = 3, detection: ShotDetectionOptions = ShotDetectionOptions()) {
        self.minimumSeconds = minimumSeconds
        self.detection = detection
    }

    public func shots(of video: SourceVideo) async throws -> [Shot] {
        let info: VideoInfo
        do { info = try VideoDecoder(path: video.videoPath).info } catch {
            throw CurationError.videoFailed(path: video.videoPath, reason: "\(error)")
        }
        guard info.fps.isFinite, info.fps > 0 else {
            throw CurationError.videoFailed(path: video.videoPath, reason: "no usable frame rate")
        }
        var shots: [Shot] = []
        if video.events.isEmpty {
            let result: ShotDetectionResult
            do { result = try ShotDetector.detect(videoAt: video.videoPath, options: detection) } catch {
                throw CurationError.videoFailed(path: video.videoPath, reason: "shot detection: \(error)")
            }
            shots = result.scenes().map { Shot(startFrame: $0.startFrame, endFrame: $0.endFrame, framesPerSecond: result.framesPerSecond, caption: nil) }
        } else {
            // Boundaries at the nearest frame; the container's frame count bounds the last one.
            let last = info.frameCount > 0 ? info.frameCount : Int.max
            for event in video.events {
                let start = Int((event.range.start * info.fps).rounded())
                let end = min(Int((event.range.end * info.fps).rounded()), last)
                guard end > start else { continue }
                shots.append(Shot(startFrame: start, endFrame: end, framesPerSecond: info.fps, caption: event.caption))
            }
        }
        return shots.filter { $0.durationSeconds >= minimumSeconds - 1e-9 }
    }
}
