// Mirrors the processors' own resize stage: transformers' smart_resize (image_processing_qwen2_vl.py, no
// 28-pixel floor when rounding) and Qwen2VLVideoProcessor.resize, which re-resizes the float frames
// qwen-vl-utils hands it whenever their size falls outside the processor's `size` budget
// (preprocessor_config.json's min_pixels/max_pixels), with PyTorch's antialiased bicubic on float32.
import VideoIO

extension QwenVLVideoProcessor {
    /// transformers' `smart_resize`: like qwen-vl-utils' but without the `max(28, ·)` floor when rounding.
    public static func processorSmartResize(height: Int, width: Int, factor: Int, minPixels: Double,
                                            maxPixels: Double) throws(QwenVLError) -> (height: Int, width: Int) {
        guard height > 0, width > 0 else { throw .invalidInput("frame size \(width)×\(height) is empty") }
        guard Double(max(height, width)) / Double(min(height, width)) <= 200 else {
            throw .aspectRatioTooLarge(height: height, width: width)
        }
        let f = Double(factor)
        var h = (Double(height) / f).rounded(.toNearestOrEven) * f
        var w = (Double(width) / f).rounded(.toNearestOrEven) * f
        if h * w > maxPixels {
            let beta = (Double(height * width) / maxPixels).squareRoot()
            h = max(f, (Double(height) / beta / f).rounded(.down) * f)
            w = max(f, (Double(width) / beta / f).rounded(.down) * f)
        } else if h * w < minPixels {
            let beta = (minPixels / Double(height * width)).squareRoot()
            h = (Double(height) * beta / f).rounded(.up) * f
            w = (Double(width) * beta / f).rounded(.up) * f
        }
        guard h >= f, w >= f else { throw .invalidInput("frame size \(width)×\(height) resizes to \(Int(w))×\(Int(h))") }
        return (Int(h), Int(w))
    }

    /// Sampled frames → `pixel_values_videos`: qwen-vl-utils' resize (uint8, rounded), then the processor's own
    /// float resize when its budget asks for another size, then patches.
    func patches(fromSampled frames: [VideoFrame], sampleFPS: Double) throws(QwenVLError) -> QwenVLVideoInput {
        let resized = try resize(frames)
        guard let first = resized.first else { throw .invalidInput("no frames to patchify") }
        let target = try Self.processorSmartResize(height: first.height, width: first.width, factor: factor,
                                                   minPixels: processorMinPixels, maxPixels: processorMaxPixels)
        guard target != (first.height, first.width) else { return try patches(fromResized: resized, sampleFPS: sampleFPS) }
        let planes = resized.map {
            Resampling.antialiasedBicubic(plane: $0.pixels.map(Float.init), width: first.width, height: first.height,
                                               toWidth: target.width, height: target.height)
        }
        return try patches(fromPlanes: planes, height: target.height, width: target.width, sampleFPS: sampleFPS)
    }
}

/// PyTorch's uint8 antialiased bicubic (`_upsample_bicubic2d_aa` on uint8, which torchvision v2's `resize` runs for
/// uint8 images): weights in double, normalised, rounded to int16 at the largest precision that keeps the axis's
/// largest weight below 2¹⁵ (`_compute_index_ranges_int16_weights`), integer dot products plus half an LSB, shifted
/// and clamped to uint8 after each pass (width first; an unchanged axis is not filtered).
enum FixedPointResampling {
    struct Axis {
        var starts: [Int]
        var weights: [[Int32]]
        var precision: Int
    }

    static func cubic(_ value: Double) -> Double {
        let a = -0.5
        let x = abs(value)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }

    static func axis(input: Int, output: Int) -> Axis {
        let scale = Double(input) / Double(output)
        let support = scale >= 1 ? 2 * scale : 2
        let invscale = scale >= 1 ? 1 / scale : 1
        let maximumTaps = Int(support.rounded(.up)) * 2 + 1
        var starts: [Int] = [], real: [[Double]] = []
        var largest = 0.0
        for i in 0..<output {
            let center = scale * (Double(i) + 0.5)
            let start = max(Int(center - support + 0.5), 0)                 // C++ casts truncate toward zero
            let size = min(max(min(Int(center + support + 0.5), input) - start, 0), maximumTaps)
            var weights = (0..<size).map { cubic((Double($0 + start) - center + 0.5) * invscale) }
            let total = weights.reduce(0, +)
            if total != 0 {
                weights = weights.map { $0 / total }
                largest = weights.reduce(largest, max)
            }
            starts.append(start)
            real.append(weights)
        }
        var precision = 0
        while precision < 22, Int(0.5 + largest * Double(1 << (precision + 1))) < (1 << 15) { precision += 1 }
        let unit = Double(1 << precision)
        let weights = real.map { row in row.map { Int32($0 < 0 ? $0 * unit - 0.5 : $0 * unit + 0.5) } }
        return Axis(starts: starts, weights: weights, precision: precision)
    }

    @inline(__always)
    static func clamp(_ sum: Int32, precision: Int) -> UInt8 {
        UInt8(min(max((sum + (Int32(1) << Int32(precision - 1))) >> Int32(precision), 0), 255))
    }

    static func antialiasedBicubic(_ pixels: [UInt8], width: Int, height: Int, toWidth outputWidth: Int,
                                   height outputHeight: Int) -> [UInt8] {
        var current = pixels
        var currentWidth = width
        if outputWidth != width {
            let taps = axis(input: width, output: outputWidth)
            var output = [UInt8](repeating: 0, count: outputWidth * height * 3)
            for y in 0..<height {
                for x in 0..<outputWidth {
                    for channel in 0..<3 {
                        var sum: Int32 = 0
                        for (tap, weight) in taps.weights[x].enumerated() {
                            sum += weight * Int32(current[(y * width + taps.starts[x] + tap) * 3 + channel])
                        }
                        output[(y * outputWidth + x) * 3 + channel] = clamp(sum, precision: taps.precision)
                    }
                }
            }
            current = output
            currentWidth = outputWidth
        }
        if outputHeight != height {
            let taps = axis(input: height, output: outputHeight)
            let stride = currentWidth * 3
            var output = [UInt8](repeating: 0, count: outputHeight * stride)
            for y in 0..<outputHeight {
                for i in 0..<stride {
                    var sum: Int32 = 0
                    for (tap, weight) in taps.weights[y].enumerated() {
                        sum += weight * Int32(current[(taps.starts[y] + tap) * stride + i])
                    }
                    output[y * stride + i] = clamp(sum, precision: taps.precision)
                }
            }
            current = output
        }
        return current
    }
}
