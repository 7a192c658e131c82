// Table 2's motion statistic: how much an answer video moves, so a row whose videos collapse to a still frame (the
// paper's "w/o r_c2" finding, Fig. 7) can be seen in numbers. Mean absolute difference of consecutive frames over
// every RGB byte, in [0, 1] units (0 for a still video).
import VideoIO

public enum AnswerMotion {
    /// The mean over consecutive frame pairs of the mean |Δ| of their RGB bytes ÷ 255; nil with fewer than two
    /// frames or frames of different sizes.
    public static func meanAbsoluteFrameDifference(_ frames: [VideoFrame]) -> Double? {
        guard frames.count >= 2 else { return nil }
        var total = 0.0
        for (previous, next) in zip(frames, frames.dropFirst()) {
            guard previous.width == next.width, previous.height == next.height else { return nil }
            var sum = 0
            previous.pixels.withUnsafeBufferPointer { a in
                next.pixels.withUnsafeBufferPointer { b in
                    for index in 0..<a.count { sum += abs(Int(a[index]) - Int(b[index])) }
                }
            }
            total += Double(sum) / Double(previous.pixels.count) / 255
        }
        return total / Double(frames.count - 1)
    }
}
