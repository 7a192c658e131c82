// Mirrors safetensors' reader (safetensors/src/tensor.rs `SafeTensors::read_metadata` / `validate`):
// 8-byte little-endian header length, a JSON header, then a data section the tensors tile exactly.
import Foundation
import Support

/// Where one tensor lives inside a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's key in the header.
    public var name: String
    /// Element type.
    public var dtype: SafetensorsDType
    /// Dimensions, outermost first; `[]` is a scalar.
    public var shape: [Int]
    /// Byte range relative to the start of the data section.
    public var dataOffsets: Range<Int>

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped, lazily read safetensors file.
///
/// Opening parses and validates the header only; tensor bytes are read from the mapping on demand.
/// ```swift
/// let file = try SafetensorsFile(url: url)
/// let (values, shape) = try file.floats("model.norm.weight")
/// ```
public final class SafetensorsFile: Sendable {
    /// The largest header the reference reader accepts (100 MB).
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// The file this was read from.
    public let url: URL
    /// The free-form string map under `__metadata__` (empty when absent or null).
    public let metadata: [String: String]
    /// Tensor descriptions by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// Tensor names in data order.
    public let tensorNames: [String]

    private let mapping: MappedUserFile
    private let dataStart: Int

    /// Maps and validates `url`. Throws a `CheckpointError` naming the file (and tensor) on any defect;
    /// anything but a regular file (a named pipe, a device, a directory) is refused without being opened.
    public init(url: URL) throws(CheckpointError) {
        self.url = url
        let path = url.path
        do { mapping = try UserFile.map(path) } catch { throw .cannotOpen(file: path, reason: error.reason) }
        let bytes = mapping.bytes
        let size = bytes.count
        guard size >= 8 else { throw .truncatedHeaderLength(file: path, fileSize: size) }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(size - 8) else {
            throw .headerLengthPastEnd(file: path, headerLength: headerLength, fileSize: size)
        }
        guard headerLength <= Self.maximumHeaderLength else {
            throw .invalidHeader(file: path, reason: "header length \(headerLength) exceeds the 100 MB limit")
        }
        dataStart = 8 + Int(headerLength)
        let parsed = try SafetensorsHeader.parse(Data(bytes[8..<dataStart]), file: path, dataSize: size - dataStart)
        metadata = parsed.metadata
        tensors = parsed.tensors
        tensorNames = parsed.orderedNames
    }

    /// The description of tensor `name`.
    public func info(_ name: String) throws(CheckpointError) -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw .tensorNotFound(file: url.path, tensor: name) }
        return info
    }

    /// Calls `body` with the tensor's raw little-endian bytes, straight from the mapping (no copy).
    /// The buffer is valid only inside `body`.
    public func withRawBytes<Result>(
        of name: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let info = try info(name)
        return try body(rawBuffer(info))
    }

    /// A copy of the tensor's raw little-endian bytes.
    public func rawBytes(of name: String) throws(CheckpointError) -> Data {
        let info = try info(name)
        return Data(rawBuffer(info))
    }

    /// A floating-point tensor converted to `Float` (from F32, F16, BF16 or F64), with its shape.
    public func floats(_ name: String) throws(CheckpointError) -> (values: [Float], shape: [Int]) {
        let info = try info(name)
        guard info.dtype.isFloatingPoint else {
            throw .wrongDType(file: url.path, tensor: name, dtype: info.dtype.rawValue, expected: "F32, F16, BF16 or F64")
        }
        let bytes = rawBuffer(info)
        return (ElementConversion.floats(from: bytes, dtype: info.dtype, count: info.elementCount), info.shape)
    }

    /// An integer or boolean tensor converted to `Int` (from I64, I32, I16, I8, U8 or BOOL), with its shape.
    public func integers(_ name: String) throws(CheckpointError) -> (values: [Int], shape: [Int]) {
        let info = try info(name)
        guard !info.dtype.isFloatingPoint else {
            throw .wrongDType(file: url.path, tensor: name, dtype: info.dtype.rawValue, expected: "an integer or BOOL dtype")
        }
        let bytes = rawBuffer(info)
        return (ElementConversion.integers(from: bytes, dtype: info.dtype, count: info.elementCount), info.shape)
    }

    /// The tensor's first byte inside the mapping (nil for an empty tensor).
    func mappedAddress(of info: SafetensorsTensorInfo) -> UnsafeMutableRawPointer? {
        // Storage(borrowing:) takes a mutable pointer; engine ops never write into their inputs.
        rawBuffer(info).baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
    }

    private func rawBuffer(_ info: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        guard !info.dataOffsets.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let start = dataStart + info.dataOffsets.lowerBound
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<(start + info.dataOffsets.count)])
    }
}
