// Mirrors PySceneDetect 0.7's scenedetect.detector.FlashFilter (minimum scene length in frames).

/// Enforces a minimum scene length on a stream of above/below-threshold frames.
public struct FlashFilter: Sendable {
    /// How cuts closer than the minimum length are handled.
    public enum Mode: String, Sendable, CaseIterable {
        /// Merge runs of close cuts into one, emitted at the last above-threshold frame (PySceneDetect's default).
        case merge
        /// Drop cuts until the minimum length has passed since the last emitted cut.
        case suppress
    }

    /// The filter mode.
    public let mode: Mode
    /// Minimum scene length in frames; 0 or less disables the filter.
    public let length: Int
    private var lastAbove: Int?
    private var mergeEnabled = false
    private var mergeTriggered = false
    private var mergeStart: Int?

    /// A filter in `mode` with a minimum scene length of `length` frames.
    public init(mode: Mode = .merge, length: Int) {
        self.mode = mode
        self.length = length
    }

    /// Feeds one frame (indices must increase) and returns the cuts it emits, possibly in the past.
    public mutating func filter(frame: Int, aboveThreshold: Bool) -> [Int] {
        if length <= 0 { return aboveThreshold ? [frame] : [] }
        if lastAbove == nil { lastAbove = frame }
        switch mode {
        case .merge: return filterMerge(frame: frame, aboveThreshold: aboveThreshold)
        case .suppress: return filterSuppress(frame: frame, aboveThreshold: aboveThreshold)
        }
    }

    private mutating func filterSuppress(frame: Int, aboveThreshold: Bool) -> [Int] {
        guard let last = lastAbove, aboveThreshold, frame - last >= length else { return [] }
        lastAbove = frame
        return [frame]
    }

    private mutating func filterMerge(frame: Int, aboveThreshold: Bool) -> [Int] {
        guard let previousAbove = lastAbove else { return [] }
        let minimumLengthMet = frame - previousAbove >= length
        if aboveThreshold { lastAbove = frame }
        if mergeTriggered {
            // Below threshold long enough after a long enough merged run: emit its last frame.
            if let start = mergeStart, let last = lastAbove,
               minimumLengthMet, !aboveThreshold, last - start >= length {
                mergeTriggered = false
                return [last]
            }
            return []
        }
        guard aboveThreshold else { return [] }
        if minimumLengthMet {
            // Merging is allowed only once a first cut exists.
            mergeEnabled = true
            return [frame]
        }
        if mergeEnabled {
            mergeTriggered = true
            mergeStart = frame
        }
        return []
    }
}
