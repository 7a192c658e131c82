// Scenes as PySceneDetect reports them (get_scenes_from_cuts): half-open frame ranges.

/// A shot: frames `startFrame ..< endFrame` of a video (the end is exclusive, as in
/// PySceneDetect's scene lists and the "End Frame" column of its CSV).
public struct Scene: Sendable, Equatable, Hashable {
    /// First frame of the scene.
    public let startFrame: Int
    /// One past the last frame of the scene.
    public let endFrame: Int
    /// Frame rate used for the times.
    public let framesPerSecond: Double

    /// A scene of frames `startFrame ..< endFrame`.
    public init(startFrame: Int, endFrame: Int, framesPerSecond: Double) throws {
        guard startFrame >= 0, endFrame > startFrame else {
            throw DataError.invalidScene(startFrame: startFrame, endFrame: endFrame)
        }
        guard framesPerSecond.isFinite, framesPerSecond > 0 else {
            throw DataError.invalidOption(name: "frame rate", value: "\(framesPerSecond)", reason: "must be a positive number")
        }
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.framesPerSecond = framesPerSecond
    }

    private init(unchecked startFrame: Int, _ endFrame: Int, _ framesPerSecond: Double) {
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.framesPerSecond = framesPerSecond
    }

    /// Number of frames.
    public var frameCount: Int { endFrame - startFrame }
    /// Start time: `startFrame / fps`.
    public var startSeconds: Double { Double(startFrame) / framesPerSecond }
    /// End time (exclusive): `endFrame / fps`.
    public var endSeconds: Double { Double(endFrame) / framesPerSecond }
    /// Length in seconds.
    public var durationSeconds: Double { Double(frameCount) / framesPerSecond }

    /// Splits frames `0 ..< frameCount` at `cuts` (sorted and de-duplicated here; cuts outside
    /// `1 ..< frameCount` are ignored). With no cuts the result is one whole-video scene when
    /// `startInScene`, else empty, as PySceneDetect's `get_scene_list(start_in_scene:)`.
    public static func scenes(fromCuts cuts: [Int], frameCount: Int, framesPerSecond: Double,
                              startInScene: Bool = true) -> [Scene] {
        guard frameCount > 0, framesPerSecond.isFinite, framesPerSecond > 0 else { return [] }
        let inside = Set(cuts.filter { $0 > 0 && $0 < frameCount }).sorted()
        if inside.isEmpty && !startInScene { return [] }
        var scenes: [Scene] = []
        var start = 0
        for cut in inside + [frameCount] {
            scenes.append(Scene(unchecked: start, cut, framesPerSecond))
            start = cut
        }
        return scenes
    }

    /// The paper's filter: keeps scenes at least `minimumSeconds` long (3 s in VANS).
    public static func droppingShort(_ scenes: [Scene], minimumSeconds: Double = 3) -> [Scene] {
        scenes.filter { $0.durationSeconds >= minimumSeconds }
    }
}
