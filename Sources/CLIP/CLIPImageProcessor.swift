// Mirrors transformers' CLIPImageProcessorPil (models/clip/image_processing_pil_clip.py over PilBackend in
// image_processing_backends.py): shortest-edge resize with Pillow's filter, centre crop (floor offset, zero
// padding when the image is smaller), rescale, normalise. The torchvision backend of `CLIPImageProcessor` is
// numerically different; this follows the PIL one the OpenAI weights were trained with.
import Foundation
import Tensor
import VideoIO

/// The image preprocessing of a CLIP checkpoint (`preprocessor_config.json`).
public struct CLIPImageProcessor: Sendable, Equatable {
    /// How `resize` picks the output size.
    public enum ResizeTarget: Sendable, Equatable {
        /// The shorter side becomes this; the longer one floor(long · edge / short).
        case shortestEdge(Int)
        /// Exactly this size.
        case size(height: Int, width: Int)
    }

    public var doResize = true
    public var resizeTarget = ResizeTarget.shortestEdge(224)
    public var resample = Resampling.PillowFilter.bicubic
    public var doCenterCrop = true
    public var cropHeight = 224
    public var cropWidth = 224
    public var doRescale = true
    public var rescaleFactor = 1.0 / 255.0
    public var doNormalize = true
    public var imageMean = [0.48145466, 0.4578275, 0.40821073]
    public var imageStandardDeviation = [0.26862954, 0.26130258, 0.27577711]

    /// The OpenAI defaults (= transformers' class defaults).
    public init() {}

    /// Reads `preprocessor_config.json` (a file, or a directory holding one); absent keys keep the defaults.
    public static func load(from url: URL) throws(CLIPError) -> CLIPImageProcessor {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let file = exists && isDirectory.boolValue ? url.appendingPathComponent("preprocessor_config.json") : url
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw .invalidModel("\(file.path): cannot read (\(error.localizedDescription))")
        }
        guard let document = try? JSONDecoder().decode(PreprocessorJSON.self, from: data), case .object(let root) = document else {
            throw .invalidModel("\(file.path): not a JSON object")
        }
        return try CLIPImageProcessor(json: root, file: file.path)
    }

    /// Builds a processor from the members of a `preprocessor_config.json`; `file` names it in errors.
    init(json root: [String: PreprocessorJSON], file: String) throws(CLIPError) {
        func fail(_ key: String, _ reason: String) -> CLIPError { .invalidModel("\(file): key '\(key)': \(reason)") }
        func flag(_ key: String, _ value: inout Bool) throws(CLIPError) {
            guard let raw = root[key], raw != .null else { return }
            guard case .bool(let parsed) = raw else { throw fail(key, "expected true or false") }
            value = parsed
        }
        func positiveInteger(_ raw: PreprocessorJSON, _ key: String) throws(CLIPError) -> Int {
            guard case .number(let number) = raw, let value = Int(exactly: number), value > 0 else {
                throw fail(key, "expected a positive integer")
            }
            return value
        }
        func triple(_ key: String, _ value: inout [Double]) throws(CLIPError) {
            guard let raw = root[key], raw != .null else { return }
            switch raw {
            case .number(let number): value = Array(repeating: number, count: 3)
            case .array(let items):
                let numbers = items.compactMap { item -> Double? in if case .number(let number) = item { return number } else { return nil } }
                guard numbers.count == 3, items.count == 3 else { throw fail(key, "expected three numbers") }
                value = numbers
            default: throw fail(key, "expected three numbers")
            }
        }
        self.init()
        try flag("do_resize", &doResize)
        try flag("do_center_crop", &doCenterCrop)
        try flag("do_rescale", &doRescale)
        try flag("do_normalize", &doNormalize)
        switch root["size"] ?? .null {
        case .null: break
        case .object(let edges):
            if let edge = edges["shortest_edge"], edge != .null {
                guard (edges["longest_edge"] ?? .null) == .null else { throw fail("size.longest_edge", "is not supported by CLIP") }
                resizeTarget = .shortestEdge(try positiveInteger(edge, "size.shortest_edge"))
            } else if let height = edges["height"], let width = edges["width"] {
                resizeTarget = .size(height: try positiveInteger(height, "size.height"), width: try positiveInteger(width, "size.width"))
            } else {
                throw fail("size", "expected shortest_edge, or height and width")
            }
        case let size:
            // Old configs store a bare integer, read as the shortest edge (default_to_square = False).
            resizeTarget = .shortestEdge(try positiveInteger(size, "size"))
        }
        switch root["crop_size"] ?? .null {
        case .null: break
        case .object(let edges):
            guard let height = edges["height"], let width = edges["width"] else { throw fail("crop_size", "expected height and width") }
            cropHeight = try positiveInteger(height, "crop_size.height")
            cropWidth = try positiveInteger(width, "crop_size.width")
        case let crop:
            cropHeight = try positiveInteger(crop, "crop_size")
            cropWidth = cropHeight
        }
        if let raw = root["resample"], raw != .null {
            // PIL's enum: 2 BILINEAR, 3 BICUBIC (the filters the Pillow port has).
            switch try positiveInteger(raw, "resample") {
            case 2: resample = .bilinear
            case 3: resample = .bicubic
            case let other: throw fail("resample", "PIL filter \(other) is not supported (2 bilinear, 3 bicubic)")
            }
        }
        if let raw = root["rescale_factor"], raw != .null {
            guard case .number(let number) = raw, number.isFinite else { throw fail("rescale_factor", "expected a number") }
            rescaleFactor = number
        }
        try triple("image_mean", &imageMean)
        try triple("image_std", &imageStandardDeviation)
        guard imageStandardDeviation.allSatisfy({ $0 != 0 && $0.isFinite }) else { throw fail("image_std", "must be non-zero") }
    }

    /// The size `resize` gives a `width`×`height` image.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        switch resizeTarget {
        case .size(let targetHeight, let targetWidth):
            return (targetWidth, targetHeight)
        case .shortestEdge(let edge):
            // transformers' get_resize_output_image_size: int(edge * long / short) in floating point.
            let (short, long) = width <= height ? (width, height) : (height, width)
            let newLong = Int(Double(edge * long) / Double(short))
            return width <= height ? (edge, newLong) : (newLong, edge)
        }
    }

    /// The output height and width of one image (the crop when cropping).
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        if doCenterCrop { return (cropWidth, cropHeight) }
        return doResize ? resizedSize(width: width, height: height) : (width, height)
    }

    /// Resized and centre-cropped RGB bytes of one frame (HWC), before rescaling: the uint8 image PIL holds.
    public func resizedAndCropped(_ frame: VideoFrame) -> (pixels: [UInt8], width: Int, height: Int) {
        var pixels = frame.pixels
        var (width, height) = (frame.width, frame.height)
        if doResize {
            let size = resizedSize(width: width, height: height)
            if size != (width, height) {
                pixels = Resampling.pillowResize(pixels, width: width, height: height, toWidth: size.width,
                                                 height: size.height, filter: resample)
            }
            (width, height) = size
        }
        guard doCenterCrop else { return (pixels, width, height) }
        // transformers' center_crop: top = (H − h) // 2 (floor, also for negative values, where the image is
        // first zero-padded to at least the crop with ceil((h − H) / 2) rows before it).
        let padTop = cropHeight > height ? (cropHeight - height + 1) / 2 : 0
        let padLeft = cropWidth > width ? (cropWidth - width + 1) / 2 : 0
        let top = Self.floorDivide(height - cropHeight, 2) + padTop
        let left = Self.floorDivide(width - cropWidth, 2) + padLeft
        var cropped = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        for y in 0 ..< cropHeight {
            let sourceY = top + y - padTop
            guard sourceY >= 0, sourceY < height else { continue }
            for x in 0 ..< cropWidth {
                let sourceX = left + x - padLeft
                guard sourceX >= 0, sourceX < width else { continue }
                for channel in 0 ..< 3 {
                    cropped[(y * cropWidth + x) * 3 + channel] = pixels[(sourceY * width + sourceX) * 3 + channel]
                }
            }
        }
        return (cropped, cropWidth, cropHeight)
    }

    private static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    /// `pixel_values` float32 [N, 3, H, W] of `frames`, which must share one output size (frames of one
    /// size always do). Rescaling runs in float64 and rounds to float32; normalising runs in float32, as transformers' numpy code does.
    public func pixelValues(for frames: [VideoFrame]) throws(CLIPError) -> Tensor {
        guard let first = frames.first else { throw .invalidInput("no frames to preprocess") }
        let size = outputSize(width: first.width, height: first.height)
        let plane = size.width * size.height
        var values = [Float](repeating: 0, count: frames.count * 3 * plane)
        for (index, frame) in frames.enumerated() {
            let image = resizedAndCropped(frame)
            guard image.width == size.width, image.height == size.height else {
                throw .invalidInput("frame \(index) is \(frame.width)×\(frame.height), giving \(image.width)×\(image.height) pixels; frame 0 gives \(size.width)×\(size.height)")
            }
            for channel in 0 ..< 3 {
                let mean = Float(doNormalize ? imageMean[channel] : 0)
                let deviation = Float(doNormalize ? imageStandardDeviation[channel] : 1)
                let base = (index * 3 + channel) * plane
                for position in 0 ..< plane {
                    let byte = image.pixels[position * 3 + channel]
                    let value = doRescale ? Float(Double(byte) * rescaleFactor) : Float(byte)
                    values[base + position] = doNormalize ? (value - mean) / deviation : value
                }
            }
        }
        return Tensor(values, shape: [frames.count, 3, size.height, size.width])
    }
}

/// Any JSON value: enough to read a preprocessor config whose fields vary in type between versions.
enum PreprocessorJSON: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([PreprocessorJSON])
    case object([String: PreprocessorJSON])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([PreprocessorJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: PreprocessorJSON].self)) }
    }
}
