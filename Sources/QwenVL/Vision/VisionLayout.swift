// Mirrors transformers' vision_utils.py (`get_vision_position_ids`, `get_vision_cu_seqlens`,
// `get_vision_window_index`) as used by Qwen2_5_VisionTransformerPretrainedModel: the pure index
// arithmetic of the vision tower — patch positions, attention segments and the window permutation.

/// Where every patch of a batch of images or videos sits, and which patches attend to which.
///
/// Grids are (t, h, w) in patch units. Patches arrive in the processor's merge-block order
/// (t, block row, block column, row in block, column in block); `mergeSize`² patches form one merged token.
public struct VisionLayout: Sendable, Equatable {
    /// Per patch (processor order), its row and column inside its frame.
    public let rows: [Int]
    public let columns: [Int]
    /// Cumulative patch counts of whole frames (`cu_seqlens`): full-attention blocks attend within one
    /// temporal slice of one grid, never across time.
    public let frameOffsets: [Int]
    /// Merged-token permutation into window order (`window_index`): entry i is the processor-order
    /// merged token placed at window position i.
    public let windowIndex: [Int]
    /// Cumulative patch counts of the non-empty windows, in window order (`cu_window_seqlens`).
    public let windowOffsets: [Int]

    /// Lays out `grids` with `mergeSize`×`mergeSize` merge blocks and windows of `windowTokens`×`windowTokens`
    /// merged tokens (`window_size / merge_size / patch_size`). Grids must be positive with h and w
    /// divisible by `mergeSize` (checked by the caller).
    public init(grids: [[Int]], mergeSize: Int, windowTokens: Int) {
        var rows: [Int] = [], columns: [Int] = []
        var frameOffsets = [0], windowIndex: [Int] = [], windowOffsets = [0]
        let unit = mergeSize * mergeSize
        var mergedBase = 0
        for grid in grids {
            let (frames, height, width) = (grid[0], grid[1], grid[2])
            // One frame's patch positions in merge-block order, repeated for every temporal slice.
            var frameRows: [Int] = [], frameColumns: [Int] = []
            for blockRow in 0..<(height / mergeSize) {
                for blockColumn in 0..<(width / mergeSize) {
                    for row in 0..<mergeSize {
                        for column in 0..<mergeSize {
                            frameRows.append(blockRow * mergeSize + row)
                            frameColumns.append(blockColumn * mergeSize + column)
                        }
                    }
                }
            }
            let (mergedHeight, mergedWidth) = (height / mergeSize, width / mergeSize)
            for frame in 0..<frames {
                rows += frameRows
                columns += frameColumns
                frameOffsets.append(frameOffsets[frameOffsets.count - 1] + height * width)
                // Windows row-major over the frame, merged tokens row-major inside each; edge windows are smaller.
                let frameBase = mergedBase + frame * mergedHeight * mergedWidth
                for windowRow in stride(from: 0, to: mergedHeight, by: windowTokens) {
                    for windowColumn in stride(from: 0, to: mergedWidth, by: windowTokens) {
                        let rowRange = windowRow..<min(windowRow + windowTokens, mergedHeight)
                        let columnRange = windowColumn..<min(windowColumn + windowTokens, mergedWidth)
                        for row in rowRange {
                            for column in columnRange { windowIndex.append(frameBase + row * mergedWidth + column) }
                        }
                        windowOffsets.append(windowOffsets[windowOffsets.count - 1] + rowRange.count * columnRange.count * unit)
                    }
                }
            }
            mergedBase += frames * mergedHeight * mergedWidth
        }
        self.rows = rows
        self.columns = columns
        self.frameOffsets = frameOffsets
        self.windowIndex = windowIndex
        self.windowOffsets = windowOffsets
    }

    /// Number of patches.
    public var patchCount: Int { rows.count }

    /// The inverse of `windowIndex` (`argsort(window_index)`): window position of each processor-order merged token.
    public var inverseWindowIndex: [Int] {
        var inverse = [Int](repeating: 0, count: windowIndex.count)
        for (position, token) in windowIndex.enumerated() { inverse[token] = position }
        return inverse
    }
}
