// Mirrors OpenCV's 8-bit cvtColor(COLOR_BGR2HSV) (RGB2HSV_b, fixed point with shift 12).

/// The three 8-bit planes of an OpenCV HSV image: hue in 0...179, saturation and value in 0...255.
public struct HSVPlanes: Sendable, Equatable {
    public let hue: [UInt8]
    public let saturation: [UInt8]
    public let value: [UInt8]
}

/// OpenCV's exact 8-bit colour conversions.
public enum OpenCVColor {
    private static let shift = 12
    /// round(255·4096 / i); entry 0 is 0.
    private static let saturationDivisors: [Int] = (0..<256).map { $0 == 0 ? 0 : Int((Double(255 << 12) / Double($0)).rounded()) }
    /// round(180·4096 / (6 i)); entry 0 is 0.
    private static let hueDivisors: [Int] = (0..<256).map { $0 == 0 ? 0 : Int((Double(180 << 12) / Double(6 * $0)).rounded()) }

    /// Converts `image` to HSV exactly as `cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)` does.
    public static func hsv(_ image: PackedImage) -> HSVPlanes {
        let count = image.width * image.height
        let (redOffset, blueOffset) = image.order == .rgb ? (0, 2) : (2, 0)
        var hue = [UInt8](repeating: 0, count: count)
        var saturation = [UInt8](repeating: 0, count: count)
        var value = [UInt8](repeating: 0, count: count)
        let rounding = 1 << (shift - 1)
        saturationDivisors.withUnsafeBufferPointer { sdiv in
            hueDivisors.withUnsafeBufferPointer { hdiv in
                image.pixels.withUnsafeBufferPointer { source in
                    hue.withUnsafeMutableBufferPointer { hueOut in
                        saturation.withUnsafeMutableBufferPointer { saturationOut in
                            value.withUnsafeMutableBufferPointer { valueOut in
                                for index in 0..<count {
                                    let blue = Int(source[index * 3 + blueOffset])
                                    let green = Int(source[index * 3 + 1])
                                    let red = Int(source[index * 3 + redOffset])
                                    let maximum = max(blue, green, red)
                                    let difference = maximum - min(blue, green, red)
                                    let s = (difference * sdiv[maximum] + rounding) >> shift
                                    var h: Int
                                    if maximum == red {
                                        h = green - blue
                                    } else if maximum == green {
                                        h = blue - red + 2 * difference
                                    } else {
                                        h = red - green + 4 * difference
                                    }
                                    h = (h * hdiv[difference] + rounding) >> shift
                                    if h < 0 { h += 180 }
                                    hueOut[index] = UInt8(truncatingIfNeeded: h)
                                    saturationOut[index] = UInt8(truncatingIfNeeded: s)
                                    valueOut[index] = UInt8(truncatingIfNeeded: maximum)
                                }
                            }
                        }
                    }
                }
            }
        }
        return HSVPlanes(hue: hue, saturation: saturation, value: value)
    }
}
