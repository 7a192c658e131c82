// Mirrors `preprocess_i3d` of cdfvd/third_party/i3d/utils.py: uint8 RGB frames → float → F.interpolate(size=(224, 224),
// mode="bilinear", align_corners=False; no antialias, no crop) → [C, T, H, W] → 2x/255 − 1.
import I3D
import Tensor
import VideoIO

/// Which frames of each video FVD feeds to I3D.
public enum FVDFrameSelection: Sendable, Equatable {
    /// Every decoded frame (cd-fvd's `compute_fvd` on whole clips); clips may differ in length.
    case all
    /// The first `count` frames; a shorter video is an error.
    case first(Int)
}

/// cd-fvd's FVD preprocessing.
public enum FVDPreprocessing {
    /// The side I3D sees: frames are resized straight to 224×224, whatever their aspect ratio.
    public static let resolution = 224

    /// [1, 3, T, 224, 224] in [−1, 1] from RGB frames of one video (all the same size).
    /// - Throws: ``VideoMetricsError`` for no frames, mixed frame sizes, or fewer than I3D's 9 frames;
    ///   `name` (the file) is in the message.
    public static func videoTensor(frames: [VideoFrame], name: String) throws(VideoMetricsError) -> Tensor {
        guard let first = frames.first else { throw .invalidInput("\(name): no frames") }
        guard frames.count >= I3DConfiguration.minimumFrames else {
            throw .invalidInput("\(name): \(frames.count) frames; I3D needs at least \(I3DConfiguration.minimumFrames)")
        }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw .invalidInput("\(name): frames change size within the video")
        }
        let count = frames.count, height = first.height, width = first.width, plane = height * width
        // uint8 HWC per frame → float [3, T, H, W] (the channel-first layout F.interpolate resizes per plane).
        var values = [Float](repeating: 0, count: 3 * count * plane)
        for (t, frame) in frames.enumerated() {
            frame.pixels.withUnsafeBufferPointer { pixels in
                for channel in 0..<3 {
                    let base = (channel * count + t) * plane
                    for pixel in 0..<plane { values[base + pixel] = Float(pixels[pixel * 3 + channel]) }
                }
            }
        }
        let video = Tensor(values, shape: [1, 3, count, height, width])  // [1, C, T, H, W], 0…255
        // Bilinear in H and W; the time axis keeps its size, where linear interpolation is the identity.
        let resized = video.resized3d(to: [count, resolution, resolution], mode: .trilinear)
        return resized * (2 / 255) - 1
    }

    /// The frames `selection` keeps.
    static func select(_ frames: [VideoFrame], _ selection: FVDFrameSelection, name: String) throws(VideoMetricsError) -> [VideoFrame] {
        switch selection {
        case .all:
            return frames
        case .first(let count):
            guard count > 0 else { throw .invalidInput("frame count must be positive, got \(count)") }
            guard frames.count >= count else { throw .invalidInput("\(name): \(frames.count) frames, fewer than the \(count) requested") }
            return Array(frames.prefix(count))
        }
    }
}
