// Errors of the video metrics (CLIP-V, CLIP-T, CLIPScore, FVD); every case names what was wrong.

/// What went wrong while computing a video metric.
public enum VideoMetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Too few videos, mismatched pairs or unusable features (the message says which).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidInput(let reason): return "video metrics: \(reason)"
        }
    }
}
