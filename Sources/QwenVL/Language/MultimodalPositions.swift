// Mirrors transformers' Qwen2_5_VLModel.get_rope_index and get_vision_position_ids
// (modeling_qwen2_5_vl.py, transformers 5.25): the (t, h, w) M-RoPE positions of a prompt holding
// text, images and videos.

/// One vision placeholder run's grid and temporal spacing.
public struct VisionPlacement: Sendable, Equatable {
    /// (t, h, w) in patch units.
    public var grid: [Int]
    /// Temporal position step per grid step: tokens_per_second × second_per_grid_t for videos, 1 for images.
    public var timeInterval: Float

    public init(grid: [Int], timeInterval: Float) {
        self.grid = grid
        self.timeInterval = timeInterval
    }
}

/// M-RoPE positions of one sequence.
public enum MultimodalPositions {
    /// Positions (t, h, w rows, one entry per token) of `tokens`, starting at `start`, and the position of the
    /// token that follows (max + 1, as transformers' `rope_deltas` make decoding continue).
    ///
    /// - Text runs count up on all three axes.
    /// - A run of `imageTokenId` or `videoTokenId` tokens takes the next placement of its kind: merged grid
    ///   (T, H', W') gives t = trunc(k · timeInterval) (multiplied in float32, then truncated), h = row,
    ///   w = column, all offset by the current position; text after it continues at the current position
    ///   + max(H', W') (transformers 5.x; older releases restart at the block's max + 1).
    /// - Returns nil when runs and placements do not pair up (the caller reports it).
    public static func positions(tokens: [Int], start: Int = 0, imageTokenId: Int, videoTokenId: Int,
                                 images: [VisionPlacement], videos: [VisionPlacement], mergeSize: Int)
        -> (positions: [[Int]], next: Int)? {
        var result: [[Int]] = [[], [], []]
        var current = start, maximum = start - 1
        var imageIterator = images.makeIterator(), videoIterator = videos.makeIterator()
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            let isVision = token == imageTokenId || token == videoTokenId
            var end = index
            while end < tokens.count && tokens[end] == token && isVision { end += 1 }
            if !isVision {
                for axis in 0..<3 { result[axis].append(current) }
                maximum = max(maximum, current)
                current += 1
                index += 1
                continue
            }
            guard let placement = token == imageTokenId ? imageIterator.next() : videoIterator.next() else { return nil }
            let (frames, height, width) = (placement.grid[0], placement.grid[1] / mergeSize, placement.grid[2] / mergeSize)
            guard frames * height * width == end - index else { return nil }
            for frame in 0..<frames {
                let time = Int(Float(frame) * placement.timeInterval) + current
                for row in 0..<height {
                    for column in 0..<width {
                        result[0].append(time)
                        result[1].append(current + row)
                        result[2].append(current + column)
                        maximum = max(maximum, time, current + row, current + column)
                    }
                }
            }
            current += max(height, width)
            index = end
        }
        guard imageIterator.next() == nil, videoIterator.next() == nil else { return nil }
        return (result, maximum + 1)
    }
}
