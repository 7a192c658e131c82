// Mirrors transformers' Qwen2_5_VLRotaryEmbedding / Qwen2_5_VisionRotaryEmbedding and
// diffusers' WanRotaryPosEmbed: the cos/sin tables the rotary kernels consume.
import Foundation

/// Per-position rotation angles as cos/sin tables of shape [positions, dimension / 2].
///
/// Every rotary form in the project reduces to one angle per (position, frequency):
/// `rotateHalf` pairs dimension i with i + dimension/2 (Qwen text, M-RoPE and vision);
/// `interleaved` pairs 2i with 2i + 1 (Wan).
public struct RotaryTable: Sendable, Equatable {
    /// How the rotated dimensions are paired.
    public enum Layout: Sendable, Equatable {
        /// Pairs (i, i + dimension/2), PyTorch's `rotate_half`.
        case rotateHalf
        /// Pairs (2i, 2i + 1), a complex multiply on interleaved pairs.
        case interleaved
    }

    /// Number of positions (rows of the tables).
    public let positions: Int
    /// Number of rotated pairs per head (dimension / 2).
    public let pairs: Int
    /// Pairing of the rotated dimensions.
    public let layout: Layout
    /// cos(angle), row-major [positions, pairs].
    public let cosine: [Float]
    /// sin(angle), row-major [positions, pairs].
    public let sine: [Float]

    /// Builds a table from angles [positions, pairs] (row-major).
    public init(angles: [Float], positions: Int, pairs: Int, layout: Layout) {
        precondition(angles.count == positions * pairs, "angles must hold positions × pairs values")
        self.positions = positions
        self.pairs = pairs
        self.layout = layout
        cosine = angles.map { Foundation.cos($0) }
        sine = angles.map { Foundation.sin($0) }
    }

    /// Inverse frequencies 1 / theta^(2i / dimension), i = 0 ..< dimension/2, in float32 as
    /// the reference computes them.
    public static func inverseFrequencies(dimension: Int, theta: Float) -> [Float] {
        (0..<(dimension / 2)).map { 1 / Foundation.pow(theta, Float(2 * $0) / Float(dimension)) }
    }

    /// The 1-D LLM RoPE: angle(p, i) = position[p] · inv_freq[i], applied with rotate_half.
    public static func standard(positions: [Int], dimension: Int, theta: Float) -> RotaryTable {
        multimodal(positions: [positions, positions, positions], dimension: dimension, theta: theta,
                   sections: [dimension / 2, 0, 0])
    }

    /// Qwen2.5-VL's M-RoPE: three position rows (t, h, w); frequency chunk k of `sections`
    /// (e.g. [16, 24, 24], summing to dimension/2) follows axis k mod 3.
    public static func multimodal(positions: [[Int]], dimension: Int, theta: Float, sections: [Int]) -> RotaryTable {
        precondition(positions.count == 3 && positions[1].count == positions[0].count && positions[2].count == positions[0].count,
                     "M-RoPE needs three position rows of equal length")
        precondition(sections.reduce(0, +) == dimension / 2, "mrope sections must sum to dimension / 2")
        let frequencies = inverseFrequencies(dimension: dimension, theta: theta)
        var axisOfPair = [Int]()
        for (chunk, size) in sections.enumerated() { axisOfPair += Array(repeating: chunk % 3, count: size) }
        let count = positions[0].count, pairs = dimension / 2
        var angles = [Float](repeating: 0, count: count * pairs)
        for p in 0..<count {
            for i in 0..<pairs { angles[p * pairs + i] = Float(positions[axisOfPair[i]][p]) * frequencies[i] }
        }
        return RotaryTable(angles: angles, positions: count, pairs: pairs, layout: .rotateHalf)
    }

    /// Qwen2.5-VL's vision 2-D RoPE for head dimension `dimension`: angles are
    /// [row · f ‖ column · f] with f = 1/theta^(2i/(dimension/2)), applied with rotate_half.
    public static func vision(rows: [Int], columns: [Int], dimension: Int, theta: Float = 10_000) -> RotaryTable {
        precondition(rows.count == columns.count, "rows and columns must pair up")
        precondition(dimension % 4 == 0, "the vision RoPE needs a head dimension divisible by 4")
        let frequencies = inverseFrequencies(dimension: dimension / 2, theta: theta)
        let quarter = frequencies.count, pairs = dimension / 2
        var angles = [Float](repeating: 0, count: rows.count * pairs)
        for p in 0..<rows.count {
            for i in 0..<quarter {
                angles[p * pairs + i] = Float(rows[p]) * frequencies[i]
                angles[p * pairs + quarter + i] = Float(columns[p]) * frequencies[i]
            }
        }
        return RotaryTable(angles: angles, positions: rows.count, pairs: pairs, layout: .rotateHalf)
    }

    /// Wan2.1's 3-D RoPE over a (frames, height, width) grid enumerated frame-major: the head
    /// dimension splits into t : h : w = d − 4⌊d/6⌋ : 2⌊d/6⌋ : 2⌊d/6⌋ real dimensions, each axis
    /// with frequencies theta^(−2i/d_axis); angles are computed in float64 as the reference does.
    public static func wan(frames: Int, height: Int, width: Int, dimension: Int, theta: Double = 10_000) -> RotaryTable {
        let spatial = 2 * (dimension / 6), temporal = dimension - 2 * spatial
        func frequencies(_ axis: Int) -> [Double] {
            stride(from: 0, to: axis, by: 2).map { 1 / Foundation.pow(theta, Double($0) / Double(axis)) }
        }
        let ft = frequencies(temporal), fh = frequencies(spatial), fw = frequencies(spatial)
        let pairs = dimension / 2, count = frames * height * width
        var cosine = [Float](repeating: 0, count: count * pairs), sine = cosine
        var p = 0
        for f in 0..<frames {
            for h in 0..<height {
                for w in 0..<width {
                    let angles = ft.map { Double(f) * $0 } + fh.map { Double(h) * $0 } + fw.map { Double(w) * $0 }
                    for (i, angle) in angles.enumerated() {
                        cosine[p * pairs + i] = Float(Foundation.cos(angle))
                        sine[p * pairs + i] = Float(Foundation.sin(angle))
                    }
                    p += 1
                }
            }
        }
        return RotaryTable(cosine: cosine, sine: sine, positions: count, pairs: pairs, layout: .interleaved)
    }

    /// Builds a table from precomputed cos/sin values [positions, pairs].
    public init(cosine: [Float], sine: [Float], positions: Int, pairs: Int, layout: Layout) {
        precondition(cosine.count == positions * pairs && sine.count == cosine.count, "tables must hold positions × pairs values")
        self.positions = positions
        self.pairs = pairs
        self.layout = layout
        self.cosine = cosine
        self.sine = sine
    }
}
