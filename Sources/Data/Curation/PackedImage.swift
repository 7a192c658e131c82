// An 8-bit, 3-channel, row-major image without row padding: the frame type the curation
// stages work on, independent of any decoder.

/// A packed 8-bit image with three interleaved channels.
public struct PackedImage: Sendable, Equatable {
    /// The order of the three channels in each pixel.
    public enum ChannelOrder: Sendable, Equatable {
        case rgb
        case bgr
    }

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Channel order of `pixels`.
    public let order: ChannelOrder
    /// `width · height · 3` bytes, row after row.
    public let pixels: [UInt8]

    /// Wraps `pixels`; throws when the byte count does not match the size.
    public init(width: Int, height: Int, order: ChannelOrder, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw DataError.malformedImage(width: width, height: height, byteCount: pixels.count)
        }
        self.width = width
        self.height = height
        self.order = order
        self.pixels = pixels
    }

    /// "W×H", for messages.
    var sizeDescription: String { "\(width)×\(height)" }

    /// Integer BT.601 luma (0.299 R + 0.587 G + 0.114 B, as OpenCV's 8-bit RGB2GRAY) per pixel.
    public func luma() -> [UInt8] {
        let (redOffset, blueOffset) = order == .rgb ? (0, 2) : (2, 0)
        var plane = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { source in
            plane.withUnsafeMutableBufferPointer { target in
                for index in 0..<target.count {
                    let red = Int(source[index * 3 + redOffset])
                    let green = Int(source[index * 3 + 1])
                    let blue = Int(source[index * 3 + blueOffset])
                    // OpenCV's fixed-point coefficients (shift 14): 4899, 9617, 1868.
                    target[index] = UInt8((red * 4899 + green * 9617 + blue * 1868 + 8192) >> 14)
                }
            }
        }
        return plane
    }
}
