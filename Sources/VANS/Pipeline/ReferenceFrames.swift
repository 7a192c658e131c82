// Which input frames condition the VDM (paper §4, App. C.1: n = 6 frames of the input video). One rule for
// SFT and for inference, so the renderer sees the frames the DiT was fine-tuned on.
import VideoIO
import Wan

public enum ReferenceFrames {
    /// The indices of `count` frames evenly spaced over `frameCount` frames, first and last included:
    /// `round(linspace(0, frameCount − 1, count))` as numpy rounds (half to even). Fewer when the video is
    /// shorter than `count` (every frame), none for an empty video or `count ≤ 0`.
    /// For a 24-frame VANS-Synth input and n = 6: [0, 5, 9, 14, 18, 23]; 16 frames: [0, 3, 6, 9, 12, 15].
    public static func indices(frameCount: Int, count: Int) -> [Int] {
        guard frameCount > 0, count > 0 else { return [] }
        return (try? WanVideoProcessor.referenceIndices(totalFrames: frameCount, count: min(count, frameCount))) ?? []
    }

    /// The `count` reference frames of `frames` at ``indices(frameCount:count:)``.
    public static func select(from frames: [VideoFrame], count: Int) -> [VideoFrame] {
        indices(frameCount: frames.count, count: count).map { frames[$0] }
    }
}
