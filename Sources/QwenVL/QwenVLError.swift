// Errors of the QwenVL target: video sampling and preparation, and prompt building.

/// What went wrong while preparing Qwen2.5-VL input; every case names the offending values.
public enum QwenVLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The frame-count rule gives fewer than 2 frames or more than the video has.
    case frameCountOutOfRange(computed: Int, totalFrames: Int)
    /// The frame budget is inverted (max < min), e.g. a user `maxPixels` below `minPixels`.
    case pixelBudgetInverted(minPixels: Double, maxPixels: Double)
    /// The frame's aspect ratio exceeds 200, which the model does not accept.
    case aspectRatioTooLarge(height: Int, width: Int)
    /// The input frames or metadata are unusable (empty, mixed sizes, non-positive fps).
    case invalidInput(String)
    /// The prompt holds a different number of image or video placeholders than grids were given.
    case placeholderCountMismatch(kind: String, placeholders: Int, grids: Int)
    /// A grid has a non-positive size or is not divisible into merged blocks.
    case invalidGrid(kind: String, index: Int, grid: [Int], mergeSize: Int)
    /// A model input tensor (named as the reference names it) has the wrong shape, dtype or content.
    case invalidModelInput(tensor: String, reason: String)
    /// A model directory is unusable (no config, no weights).
    case invalidModelDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .frameCountOutOfRange(let computed, let total):
            return "Qwen video sampling: \(computed) frames is outside [2, \(total)] for a \(total)-frame video"
        case .pixelBudgetInverted(let minimum, let maximum):
            return "Qwen video sampling: max_pixels \(maximum) is below min_pixels \(minimum)"
        case .aspectRatioTooLarge(let height, let width):
            return "Qwen video sampling: aspect ratio of \(width)×\(height) exceeds 200"
        case .invalidInput(let reason): return "Qwen video sampling: \(reason)"
        case let .placeholderCountMismatch(kind, placeholders, grids):
            return "the prompt has \(placeholders) \(kind) placeholder(s) but \(grids) \(kind) grid(s) were given"
        case let .invalidGrid(kind, index, grid, mergeSize):
            return "\(kind) grid \(index) \(grid) must be positive with h and w divisible by the merge size \(mergeSize)"
        case let .invalidModelInput(tensor, reason): return "Qwen model input '\(tensor)': \(reason)"
        case let .invalidModelDirectory(path, reason): return "Qwen model directory \(path): \(reason)"
        }
    }
}
