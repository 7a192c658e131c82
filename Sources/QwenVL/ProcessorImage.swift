// Mirrors qwen_vl_utils.vision_process.fetch_image (pixel budget, smart_resize, PIL bicubic resize) and
// transformers' Qwen2VLImageProcessor (fused rescale+normalise, patchify with the frame repeated to 2).
import VideoIO

/// Model-ready image input: `pixelValues` is row-major `[rows, 1176]` float32 (the processor's `pixel_values`),
/// laid out as one two-frame video patch; `grid` is `image_grid_thw` (t is always 1).
public struct QwenVLImageInput: Sendable, Equatable {
    /// Flattened patches, `shape[0] · shape[1]` values.
    public var pixelValues: [Float]
    /// `[grid.h · grid.w, 3 · temporalPatch · patch · patch]`.
    public var shape: [Int]
    /// `(1, H/patch, W/patch)`.
    public var grid: VisionGrid
}

/// Qwen2.5-VL's image preprocessing as qwen-vl-utils and the processor run it for a still image.
public struct QwenVLImageProcessor: Sendable {
    /// Per-image pixel floor (qwen-vl-utils IMAGE_MIN_TOKEN_NUM · 28²).
    public var minPixels: Double = 4 * 28 * 28
    /// Per-image pixel cap (qwen-vl-utils IMAGE_MAX_TOKEN_NUM · 28²).
    public var maxPixels: Double = 16_384 * 28 * 28
    /// Shares patch sizes and normalisation statistics with the video path.
    public var patchifier = QwenVLVideoProcessor()

    /// Creates a processor with qwen-vl-utils' image budgets.
    public init() {}

    /// The size fetch_image resizes a `height`×`width` image to.
    public func resizedSize(height: Int, width: Int) throws(QwenVLError) -> (height: Int, width: Int) {
        try QwenVLVideoProcessor.smartResize(height: height, width: width, factor: patchifier.factor,
                                             minPixels: minPixels, maxPixels: maxPixels)
    }

    /// fetch_image (`Image.resize` with Pillow's default bicubic filter) then the processor's patches.
    public func process(_ image: VideoFrame) throws(QwenVLError) -> QwenVLImageInput {
        let size = try resizedSize(height: image.height, width: image.width)
        var resized = image
        if size.height != image.height || size.width != image.width {
            resized.pixels = Resampling.pillowResize(image.pixels, width: image.width, height: image.height,
                                                     toWidth: size.width, height: size.height, filter: .bicubic)
            resized.width = size.width
            resized.height = size.height
        }
        // The image processor's own budget (preprocessor_config.json) may resize again: torchvision v2 on the
        // uint8 image, which runs PyTorch's fixed-point uint8 kernel.
        let target = try QwenVLVideoProcessor.processorSmartResize(
            height: resized.height, width: resized.width, factor: patchifier.factor,
            minPixels: patchifier.processorMinPixels, maxPixels: patchifier.processorMaxPixels)
        if target != (resized.height, resized.width) {
            resized.pixels = FixedPointResampling.antialiasedBicubic(resized.pixels, width: resized.width, height: resized.height,
                                                                     toWidth: target.width, height: target.height)
            (resized.height, resized.width) = target
        }
        // One frame is repeated to a whole temporal patch, exactly the video path's odd-count padding.
        let patches = try patchifier.patches(fromResized: [resized], sampleFPS: 1)
        return QwenVLImageInput(pixelValues: patches.pixelValues, shape: patches.shape,
                                grid: VisionGrid(temporal: patches.grid.t, height: patches.grid.h, width: patches.grid.w))
    }

    /// Decodes the first frame of an image (or video) file with FFmpeg and processes it.
    public func process(path: String) throws -> QwenVLImageInput {
        let decoder = try VideoDecoder(path: path)
        let frames = try decoder.frames(atIndices: [0])
        guard let first = frames.first else { throw QwenVLError.invalidInput("\(path) holds no decodable image") }
        return try process(first)
    }
}
