// The bridge between decoded frames (VideoIO, engine-independent) and the engine's tensors, in
// Wan's pixel layout: float32 `[3, T, H, W]` with values in [−1, 1] (x·2/255 − 1, as DiffSynth).
import Tensor
import VideoIO

extension WanVideoTensor {
    /// The clip as an engine tensor of shape `[3, T, H, W]` (add a batch axis for the VAE).
    public var tensor: Tensor { Tensor(values, shape: shape) }
}

public enum WanFrames {
    /// Frames from a `[3, T, H, W]` (or `[1, 3, T, H, W]`) tensor in [−1, 1]: values are clamped,
    /// mapped back to 0…255 and rounded to nearest, the inverse of the processor's scaling.
    /// - Throws: ``WanVideoError/invalidInput(_:)`` when the tensor is not a 3-channel clip.
    public static func frames(from tensor: Tensor, fps: Double) throws(WanVideoError) -> [VideoFrame] {
        var shape = tensor.shape
        if shape.count == 5 && shape[0] == 1 { shape.removeFirst() }
        guard shape.count == 4, shape[0] == 3, shape[1] > 0, shape[2] > 0, shape[3] > 0 else {
            throw .invalidInput("expected a [3, T, H, W] clip tensor, got shape \(tensor.shape)")
        }
        guard fps > 0, fps.isFinite else { throw .invalidInput("frame rate must be positive, got \(fps)") }
        let (frameCount, height, width) = (shape[1], shape[2], shape[3])
        let values = tensor.scalars  // contiguous [3, T, H, W]
        let plane = height * width
        return (0 ..< frameCount).map { frame in
            var pixels = [UInt8](repeating: 0, count: plane * 3)
            for channel in 0 ..< 3 {
                let base = (channel * frameCount + frame) * plane
                for position in 0 ..< plane {
                    let unit = (Swift.min(Swift.max(values[base + position], -1), 1) + 1) * 127.5
                    pixels[position * 3 + channel] = UInt8(unit.rounded())
                }
            }
            return VideoFrame(width: width, height: height, pixels: pixels,
                              timestamp: Double(frame) / fps, index: frame)
        }
    }
}
