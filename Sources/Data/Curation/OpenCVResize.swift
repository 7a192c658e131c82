// Mirrors OpenCV's cv::resize with INTER_LINEAR on 8-bit images (resizeGeneric_ with
// HResizeLinear / VResizeLinear, fixed point with INTER_RESIZE_COEF_BITS = 11), and
// PySceneDetect 0.7's SceneManager downscale rule (compute_downscale_factor).

/// OpenCV's bilinear resize, bit-exact for 8-bit images.
public enum OpenCVResize {
    private static let coefficientScale: Float = 2048

    /// Per output coordinate: the left source index and the two fixed-point weights.
    private static func coefficients(source: Int, target: Int) -> (offsets: [Int], weights: [(Int, Int)]) {
        // OpenCV keeps scale as 1 / (target / source) in double, the fraction in float.
        let scale = 1.0 / (Double(target) / Double(source))
        var offsets = [Int](repeating: 0, count: target)
        var weights = [(Int, Int)](repeating: (0, 0), count: target)
        for index in 0..<target {
            var fraction = Float((Double(index) + 0.5) * scale - 0.5)
            var left = Int(fraction.rounded(.down))
            fraction -= Float(left)
            if left < 0 {
                fraction = 0
                left = 0
            }
            if left >= source - 1 {
                fraction = 0
                left = source - 1
            }
            offsets[index] = left
            let first = ((1 - fraction) * coefficientScale).rounded(.toNearestOrEven)
            let second = (fraction * coefficientScale).rounded(.toNearestOrEven)
            weights[index] = (Int(first), Int(second))
        }
        return (offsets, weights)
    }

    /// Resizes `image` to `width`×`height` exactly as `cv2.resize(..., interpolation=INTER_LINEAR)`.
    public static func linear(_ image: PackedImage, width: Int, height: Int) throws -> PackedImage {
        guard width > 0, height > 0 else {
            throw DataError.invalidOption(name: "resize size", value: "\(width)×\(height)", reason: "must be positive")
        }
        if width == image.width && height == image.height { return image }
        let (xOffsets, xWeights) = coefficients(source: image.width, target: width)
        let (yOffsets, yWeights) = coefficients(source: image.height, target: height)
        let sourceRow = image.width * 3
        let targetRow = width * 3
        // Horizontal pass over every source row (values scaled by 2048).
        var horizontal = [Int32](repeating: 0, count: image.height * targetRow)
        image.pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { rows in
                for y in 0..<image.height {
                    let sourceBase = y * sourceRow
                    let targetBase = y * targetRow
                    for x in 0..<width {
                        let left = xOffsets[x] * 3
                        let right = min(xOffsets[x] + 1, image.width - 1) * 3
                        let (first, second) = xWeights[x]
                        for channel in 0..<3 {
                            let a = Int(source[sourceBase + left + channel])
                            let b = Int(source[sourceBase + right + channel])
                            rows[targetBase + x * 3 + channel] = Int32(a * first + b * second)
                        }
                    }
                }
            }
        }
        // Vertical pass, with OpenCV's VResizeLinear rounding for 8-bit output.
        var output = [UInt8](repeating: 0, count: height * targetRow)
        horizontal.withUnsafeBufferPointer { rows in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let top = yOffsets[y] * targetRow
                    let bottom = min(yOffsets[y] + 1, image.height - 1) * targetRow
                    let (first, second) = yWeights[y]
                    let base = y * targetRow
                    for index in 0..<targetRow {
                        let upper = (first * (Int(rows[top + index]) >> 4)) >> 16
                        let lower = (second * (Int(rows[bottom + index]) >> 4)) >> 16
                        target[base + index] = UInt8(clamping: (upper + lower + 2) >> 2)
                    }
                }
            }
        }
        return try PackedImage(width: width, height: height, order: image.order, pixels: output)
    }

    /// The size PySceneDetect's SceneManager processes a `width`×`height` frame at: the larger
    /// side becomes `effectiveWidth` (factor = larger / effectiveWidth, fractional), sides rounded
    /// half to even as Python's `round`; frames whose larger side is below it stay as they are.
    public static func sceneManagerSize(width: Int, height: Int, effectiveWidth: Int = 256) -> (width: Int, height: Int) {
        let largest = max(width, height)
        guard largest >= effectiveWidth, effectiveWidth > 0 else { return (width, height) }
        let factor = Double(largest) / Double(effectiveWidth)
        guard factor > 1 else { return (width, height) }
        let scaledWidth = Int((Double(width) / factor).rounded(.toNearestOrEven))
        let scaledHeight = Int((Double(height) / factor).rounded(.toNearestOrEven))
        return (max(1, scaledWidth), max(1, scaledHeight))
    }
}
