// `vans video shots FILE`: PySceneDetect-equivalent content-based shot detection.
import ArgumentParser
import Data
import Foundation
import VideoIO

struct VideoShotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shots",
        abstract: "Detect shot boundaries (cuts) in a video, as PySceneDetect's content detector does.",
        discussion: """
        Frames are compared in OpenCV's 8-bit HSV space after PySceneDetect's auto-downscale \
        (larger side to 256 pixels); a frame whose mean HSV difference from the previous one \
        reaches the threshold starts a new scene, and cuts closer than the minimum scene \
        length are merged. Scenes are half-open frame ranges: end_frame is exclusive (the first \
        frame of the next scene), as in PySceneDetect's scene lists; with no cuts the whole \
        video is one scene, as in its command line.

        --json prints {"fps", "frames", "cuts", "scenes": [{"start_frame", "end_frame", \
        "start_seconds", "end_seconds"}]}.

        Exit status: 0 on success, 1 when the file cannot be read or decoded, 64 for bad options.
        """
    )

    @Argument(help: "The video file to analyse (any container and codec FFmpeg decodes).")
    var file: String

    @Flag(help: "Print the result as one JSON object on standard output.")
    var json = false

    @Option(help: "Content-value threshold for a cut (PySceneDetect uses 27).")
    var threshold: Double = 27

    @Option(name: .customLong("min-scene-len"), help: "Minimum scene length in frames; closer cuts are merged.")
    var minimumSceneLength: Int = 15

    @Flag(name: .customLong("no-downscale"), help: "Analyse full-resolution frames instead of downscaling to width 256.")
    var noDownscale = false

    func validate() throws {
        guard threshold.isFinite, threshold >= 0 else {
            throw ValidationError("--threshold must be a finite number ≥ 0, got \(threshold)")
        }
        guard minimumSceneLength >= 0 else {
            throw ValidationError("--min-scene-len must be ≥ 0 frames, got \(minimumSceneLength)")
        }
    }

    func run() async throws {
        var options = ShotDetectionOptions()
        options.threshold = threshold
        options.minimumSceneLength = minimumSceneLength
        options.downscaleToWidth = noDownscale ? nil : 256
        let result: ShotDetectionResult
        do {
            result = try ShotDetector.detect(videoAt: file, options: options, showProgress: true)
        } catch let error as VideoIOError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as DataError {
            FileHandle.standardError.write(Data("error: \(file): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let scenes = result.scenes(startInScene: true)
        if json {
            print(Self.json(result, scenes: scenes))
        } else {
            print("\(file): \(result.frameCount) frames at \(result.framesPerSecond) fps, \(result.cuts.count) cuts, \(scenes.count) scenes")
            for (number, scene) in scenes.enumerated() {
                print(String(format: "  scene %3d  frames %6d ..< %6d  %9.3f s – %9.3f s", number + 1,
                             scene.startFrame, scene.endFrame, scene.startSeconds, scene.endSeconds))
            }
        }
    }

    /// The JSON document, keys in the documented order (numbers are always finite here).
    static func json(_ result: ShotDetectionResult, scenes: [Scene]) -> String {
        let sceneObjects = scenes.map {
            "{\"start_frame\":\($0.startFrame),\"end_frame\":\($0.endFrame),\"start_seconds\":\($0.startSeconds),\"end_seconds\":\($0.endSeconds)}"
        }
        let cuts = result.cuts.map(String.init).joined(separator: ",")
        return "{\"fps\":\(result.framesPerSecond),\"frames\":\(result.frameCount),\"cuts\":[\(cuts)],\"scenes\":[\(sceneObjects.joined(separator: ","))]}"
    }
}
