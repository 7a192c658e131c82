// Mirrors PySceneDetect 0.7's ContentDetector._detect_edges: OpenCV's cv2.Canny (aperture 3,
// L1 gradient, fixed-point non-maximum suppression of canny.cpp) on the HSV value plane with
// thresholds from its median, then cv2.dilate with a k×k box.

/// The dilated Canny edge map PySceneDetect compares between frames (edges 255, others 0).
public enum EdgeMap {
    /// PySceneDetect's automatic dilation size: 4 + round(√(W·H) / 192), made odd.
    public static func kernelSize(width: Int, height: Int) -> Int {
        var size = 4 + Int((Double(width * height).squareRoot() / 192).rounded(.toNearestOrEven))
        if size % 2 == 0 { size += 1 }
        return size
    }

    /// Edges of an 8-bit plane as PySceneDetect computes them: Canny with thresholds
    /// (1 ∓ 1/3)·median, dilated by a `kernelSize`² box.
    public static func detect(_ plane: [UInt8], width: Int, height: Int, kernelSize: Int) -> [UInt8] {
        let median = median(of: plane)
        let sigma = 1.0 / 3.0
        let low = Int(max(0, (1.0 - sigma) * median))
        let high = Int(min(255, (1.0 + sigma) * median))
        let edges = canny(plane, width: width, height: height, low: low, high: high)
        return dilate(edges, width: width, height: height, size: kernelSize)
    }

    /// numpy.median of 8-bit values (the mean of the two middle values for an even count).
    static func median(of values: [UInt8]) -> Double {
        var histogram = [Int](repeating: 0, count: 256)
        for value in values { histogram[Int(value)] += 1 }
        func kth(_ rank: Int) -> Int {
            var seen = 0
            for level in 0..<256 {
                seen += histogram[level]
                if seen > rank { return level }
            }
            return 255
        }
        let count = values.count
        if count % 2 == 1 { return Double(kth(count / 2)) }
        return Double(kth(count / 2 - 1) + kth(count / 2)) / 2
    }

    /// cv2.Canny(plane, low, high) with aperture 3 and the L1 gradient: 255 on edges.
    static func canny(_ plane: [UInt8], width: Int, height: Int, low lowThreshold: Int, high highThreshold: Int) -> [UInt8] {
        let (low, high) = lowThreshold <= highThreshold ? (lowThreshold, highThreshold) : (highThreshold, lowThreshold)
        // Planes padded by one pixel: the input with replicated borders (Sobel's
        // BORDER_REPLICATE), the magnitude with a ring of zeros (as canny.cpp's buffers).
        let stride = width + 2
        var padded = [Int32](repeating: 0, count: stride * (height + 2))
        var dx = [Int32](repeating: 0, count: width * height)
        var dy = [Int32](repeating: 0, count: width * height)
        var magnitude = [Int32](repeating: 0, count: stride * (height + 2))
        var state = [UInt8](repeating: 0, count: width * height)  // 0 none, 1 weak, 2 strong
        var edges = [UInt8](repeating: 0, count: width * height)
        var stack: [Int] = []
        plane.withUnsafeBufferPointer { pixels in
        padded.withUnsafeMutableBufferPointer { input in
        dx.withUnsafeMutableBufferPointer { gradientX in
        dy.withUnsafeMutableBufferPointer { gradientY in
        magnitude.withUnsafeMutableBufferPointer { magnitudes in
        state.withUnsafeMutableBufferPointer { states in
        edges.withUnsafeMutableBufferPointer { output in
            for y in -1...height {
                let sourceRow = min(max(y, 0), height - 1) * width
                for x in -1...width {
                    input[(y + 1) * stride + x + 1] = Int32(pixels[sourceRow + min(max(x, 0), width - 1)])
                }
            }
            for y in 0..<height {
                let above = y * stride + 1, middle = above + stride, below = middle + stride
                for x in 0..<width {
                    let gx = (input[above + x + 1] + 2 * input[middle + x + 1] + input[below + x + 1])
                        - (input[above + x - 1] + 2 * input[middle + x - 1] + input[below + x - 1])
                    let gy = (input[below + x - 1] + 2 * input[below + x] + input[below + x + 1])
                        - (input[above + x - 1] + 2 * input[above + x] + input[above + x + 1])
                    gradientX[y * width + x] = gx
                    gradientY[y * width + x] = gy
                    magnitudes[middle + x] = abs(gx) + abs(gy)
                }
            }
            // Non-maximum suppression with canny.cpp's tan(22.5°) in 15-bit fixed point.
            let shift = 15
            let tangent22 = Int(0.4142135623730950488016887242097 * Double(1 << shift) + 0.5)
            for y in 0..<height {
                for x in 0..<width {
                    let center = (y + 1) * stride + x + 1
                    let m = magnitudes[center]
                    guard m > low else { continue }
                    let gx = Int(gradientX[y * width + x]), gy = Int(gradientY[y * width + x])
                    let ax = abs(gx), ay = abs(gy) << shift
                    let tg22x = ax * tangent22
                    let isMaximum: Bool
                    if ay < tg22x {
                        isMaximum = m > magnitudes[center - 1] && m >= magnitudes[center + 1]
                    } else if ay > tg22x + (ax << (shift + 1)) {
                        isMaximum = m > magnitudes[center - stride] && m >= magnitudes[center + stride]
                    } else {
                        let s = (gx ^ gy) < 0 ? -1 : 1
                        isMaximum = m > magnitudes[center - stride - s] && m > magnitudes[center + stride + s]
                    }
                    guard isMaximum else { continue }
                    if m > high {
                        states[y * width + x] = 2
                        output[y * width + x] = 255
                        stack.append(y * width + x)
                    } else {
                        states[y * width + x] = 1
                    }
                }
            }
            // Hysteresis: weak pixels 8-connected to a strong one become edges.
            while let index = stack.popLast() {
                let y = index / width, x = index % width
                for ny in max(y - 1, 0)...min(y + 1, height - 1) {
                    for nx in max(x - 1, 0)...min(x + 1, width - 1) {
                        let neighbour = ny * width + nx
                        if states[neighbour] != 0 && output[neighbour] == 0 {
                            output[neighbour] = 255
                            stack.append(neighbour)
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
        }
        }
        return edges
    }

    /// cv2.dilate with a `size`×`size` box (centred anchor; outside pixels ignored): a
    /// separable maximum over the window clipped to the image.
    static func dilate(_ plane: [UInt8], width: Int, height: Int, size: Int) -> [UInt8] {
        let radius = size / 2
        var rows = [UInt8](repeating: 0, count: width * height)
        var output = [UInt8](repeating: 0, count: width * height)
        plane.withUnsafeBufferPointer { source in
        rows.withUnsafeMutableBufferPointer { rowMaxima in
        output.withUnsafeMutableBufferPointer { target in
            for y in 0..<height {
                let base = y * width
                for x in 0..<width {
                    var best: UInt8 = 0
                    for nx in max(x - radius, 0)...min(x + radius, width - 1) where source[base + nx] > best {
                        best = source[base + nx]
                    }
                    rowMaxima[base + x] = best
                }
            }
            for y in 0..<height {
                let top = max(y - radius, 0), bottom = min(y + radius, height - 1)
                for x in 0..<width {
                    var best: UInt8 = 0
                    for ny in top...bottom where rowMaxima[ny * width + x] > best { best = rowMaxima[ny * width + x] }
                    target[y * width + x] = best
                }
            }
        }
        }
        }
        return output
    }
}
