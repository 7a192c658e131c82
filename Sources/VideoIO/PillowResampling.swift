// Mirrors Pillow's libImaging/Resample.c for 8-bit RGB (precompute_coeffs, normalize_coeffs_8bpc,
// ImagingResampleHorizontal/Vertical_8bpc), as torchvision's `resize` on PIL images calls it.

extension Resampling {
    /// Pillow's separable filters.
    public enum PillowFilter: Sendable {
        /// `Image.BILINEAR`: triangle filter, support 1.
        case bilinear
        /// `Image.BICUBIC`: Keys cubic with a = −0.5, support 2.
        case bicubic

        var support: Double { self == .bilinear ? 1 : 2 }

        func weight(_ value: Double) -> Double {
            let x = abs(value)
            switch self {
            case .bilinear: return x < 1 ? 1 - x : 0
            case .bicubic:
                let a = -0.5
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0
            }
        }
    }

    private static let precisionBits = 32 - 8 - 2

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`: fixed-point weights per output position.
    static func pillowWindows(input: Int, output: Int, filter: PillowFilter) -> [(start: Int, weights: [Int])] {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let inverse = 1 / filterScale
        return (0 ..< output).map { index in
            let center = (Double(index) + 0.5) * scale
            let start = max(Int(center - support + 0.5), 0)
            let count = max(min(Int(center + support + 0.5), input) - start, 0)
            var weights = (0 ..< count).map { x in filter.weight((Double(x + start) - center + 0.5) * inverse) }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            let one = Double(1 << precisionBits)
            return (start, weights.map { $0 < 0 ? Int(-0.5 + $0 * one) : Int(0.5 + $0 * one) })
        }
    }

    @inline(__always)
    private static func clip8(_ value: Int) -> UInt8 {
        if value >= ((1 << precisionBits) << 8) { return 255 }
        if value <= 0 { return 0 }
        return UInt8(value >> precisionBits)
    }

    /// Resizes an RGB24 frame exactly as Pillow's `Image.resize(size, filter)` does for mode "RGB": a horizontal
    /// then a vertical pass, each rounding to 8 bits with fixed-point weights; an unchanged axis is not filtered.
    public static func pillowResize(_ pixels: [UInt8], width: Int, height: Int, toWidth outputWidth: Int,
                                    height outputHeight: Int, filter: PillowFilter) -> [UInt8] {
        precondition(pixels.count == width * height * 3 && outputWidth > 0 && outputHeight > 0,
                     "pillowResize: \(pixels.count) bytes for \(width)×\(height)")
        var current = pixels
        var currentWidth = width
        let rounding = 1 << (precisionBits - 1)
        if outputWidth != width {
            let windows = pillowWindows(input: width, output: outputWidth, filter: filter)
            var output = [UInt8](repeating: 0, count: outputWidth * height * 3)
            for y in 0 ..< height {
                for (x, window) in windows.enumerated() {
                    for channel in 0 ..< 3 {
                        var sum = rounding
                        for (tap, weight) in window.weights.enumerated() {
                            sum += Int(current[(y * width + window.start + tap) * 3 + channel]) * weight
                        }
                        output[(y * outputWidth + x) * 3 + channel] = clip8(sum)
                    }
                }
            }
            current = output
            currentWidth = outputWidth
        }
        if outputHeight != height {
            let windows = pillowWindows(input: height, output: outputHeight, filter: filter)
            let stride = currentWidth * 3
            var output = [UInt8](repeating: 0, count: outputHeight * stride)
            for (y, window) in windows.enumerated() {
                for i in 0 ..< stride {
                    var sum = rounding
                    for (tap, weight) in window.weights.enumerated() {
                        sum += Int(current[(window.start + tap) * stride + i]) * weight
                    }
                    output[y * stride + i] = clip8(sum)
                }
            }
            current = output
        }
        return current
    }
}
