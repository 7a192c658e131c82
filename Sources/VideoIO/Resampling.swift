// Mirrors PyTorch's separable antialiased resampling (aten/src/ATen/native/cpu/UpSampleKernel.cpp,
// `_upsample_bicubic2d_aa` as torchvision's `resize(..., BICUBIC, antialias=True)` calls it on uint8 frames) and
// Pillow's 8-bit `ImagingResample` (libImaging/Resample.c) for BILINEAR.

/// Pixel-exact ports of the resizers the models' reference processors use, on packed RGB24 (HWC) frames.
public enum Resampling {
    /// One output position's source window and normalised weights.
    struct Window {
        var start: Int
        var weights: [Float]
    }

    /// Keys' cubic with a = −0.5, the kernel PyTorch uses for antialiased bicubic (`cubic_convolution1/2`), with the
    /// multiply-adds fused as PyTorch's AVX2/AVX-512 builds compile them: ((a+2)x − (a+3))·x·x + 1 and
    /// ((a·x − 5a)·x + 8a)·x − 4a, each `p·x + c` one rounding.
    @inline(__always)
    static func cubic(_ value: Float) -> Float {
        let x = abs(value)
        if x < 1 { return Float(1).addingProduct(Float(-2.5).addingProduct(1.5, x) * x, x) }
        if x < 2 { return Float(2).addingProduct(Float(-4).addingProduct(Float(2.5).addingProduct(-0.5, x), x), x) }
        return 0
    }

    /// PyTorch's `_compute_indices_min_size_weights_aa` for float32, with support 2 (bicubic).
    static func torchWindows(input: Int, output: Int) -> [Window] {
        let scale = Float(input) / Float(output)
        let support = Float(scale >= 1 ? 2.0 * Double(scale) : 2.0)
        let invscale: Float = scale >= 1 ? 1 / scale : 1
        let maxSize = Int(support.rounded(.up)) * 2 + 1
        return (0 ..< output).map { i in
            let center = Float(Double(scale) * (Double(i) + 0.5))
            let start = max(Int(Double(center - support) + 0.5), 0)
            let end = min(Int(Double(center + support) + 0.5), input)
            let size = min(max(end - start, 0), maxSize)
            // `filter((j + xmin - center + 0.5) * invscale)` with C++'s promotions: int − float is float, then
            // + 0.5 and × invscale run in double, and the filter takes the float of that.
            var weights = (0 ..< size).map { j in
                cubic(Float((Double(Float(j + start) - center) + 0.5) * Double(invscale)))
            }
            let total = weights.reduce(Float(0), +)
            if total != 0 { weights = weights.map { $0 / total } }
            return Window(start: start, weights: weights)
        }
    }

    /// Resizes an RGB24 frame as torchvision's antialiased bicubic resize does on uint8 input: float32
    /// separable passes (width first, then height; an unchanged axis is not filtered), clamp to [0, 255],
    /// round half to even.
    public static func antialiasedBicubic(_ pixels: [UInt8], width: Int, height: Int,
                                          toWidth outputWidth: Int, height outputHeight: Int) -> [UInt8] {
        precondition(pixels.count == width * height * 3 && outputWidth > 0 && outputHeight > 0,
                     "antialiasedBicubic: \(pixels.count) bytes for \(width)×\(height)")
        let plane = antialiasedBicubic(plane: pixels.map(Float.init), width: width, height: height,
                                       toWidth: outputWidth, height: outputHeight)
        return plane.map { UInt8(min(max($0, 0), 255).rounded(.toNearestOrEven)) }
    }

    /// The same resize on float32 RGB planes (HWC), without the uint8 clamp and rounding: what PyTorch computes
    /// for float input (the Qwen video processor's second resize of qwen-vl-utils' frames).
    public static func antialiasedBicubic(plane: [Float], width: Int, height: Int,
                                          toWidth outputWidth: Int, height outputHeight: Int) -> [Float] {
        precondition(plane.count == width * height * 3 && outputWidth > 0 && outputHeight > 0,
                     "antialiasedBicubic: \(plane.count) values for \(width)×\(height)")
        var plane = plane
        var currentWidth = width
        if outputWidth != width {
            plane = horizontal(plane, width: width, height: height, windows: torchWindows(input: width, output: outputWidth))
            currentWidth = outputWidth
        }
        if outputHeight != height {
            plane = vertical(plane, width: currentWidth, windows: torchWindows(input: height, output: outputHeight))
        }
        return plane
    }

    /// Filters along x: each output sample is Σ w·x accumulated in float32 from the first tap (fused multiply-add,
    /// as PyTorch's AVX2 build compiles it).
    static func horizontal(_ input: [Float], width: Int, height: Int, windows: [Window]) -> [Float] {
        let outputWidth = windows.count
        var output = [Float](repeating: 0, count: outputWidth * height * 3)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                for y in 0 ..< height {
                    let row = y * width * 3
                    for (x, window) in windows.enumerated() {
                        let out = (y * outputWidth + x) * 3
                        for channel in 0 ..< 3 where !window.weights.isEmpty {
                            var sum = source[row + window.start * 3 + channel] * window.weights[0]
                            for tap in 1 ..< window.weights.count {
                                sum = sum.addingProduct(source[row + (window.start + tap) * 3 + channel], window.weights[tap])
                            }
                            destination[out + channel] = sum
                        }
                    }
                }
            }
        }
        return output
    }

    /// Filters along y, same accumulation order as ``horizontal(_:width:height:windows:)``.
    static func vertical(_ input: [Float], width: Int, windows: [Window]) -> [Float] {
        let stride = width * 3
        var output = [Float](repeating: 0, count: windows.count * stride)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                for (y, window) in windows.enumerated() {
                    for i in 0 ..< stride where !window.weights.isEmpty {
                        var sum = source[window.start * stride + i] * window.weights[0]
                        for tap in 1 ..< window.weights.count {
                            sum = sum.addingProduct(source[(window.start + tap) * stride + i], window.weights[tap])
                        }
                        destination[y * stride + i] = sum
                    }
                }
            }
        }
        return output
    }
}
