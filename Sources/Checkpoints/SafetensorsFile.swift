// Mirrors safetensors' reader (safetensors/src/tensor.rs `SafeTensors::read_metadata` / `validate`):
// 8-byte little-endian header length, a JSON header, then a data section the tensors tile exactly.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
public final class SafetensorsFile: @unchecked Sendable {
    // Safe to share: the mapping is read-only and immutable after init.

    /// The largest header the reference reader accepts (100 MB).
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// The file this was read from.
    public let url: URL
    /// The free-form string map under `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// Tensor descriptions by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// Tensor names in data order.
    public let tensorNames: [String]

    private let mapping: UnsafeMutableRawPointer?
    private let mappedSize: Int
    private let dataStart: Int

    /// Maps and validates `url`. Throws a `CheckpointError` naming the file (and tensor) on any defect.
    public init(url: URL) throws(CheckpointError) {
        self.url = url
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw .cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotOpen(file: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size >= 8 else { throw .truncatedHeaderLength(file: path, fileSize: size) }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), pointer != MAP_FAILED else {
            throw .cannotOpen(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: size)
        do {
            var headerLength: UInt64 = 0
            for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
            guard headerLength <= UInt64(size - 8) else {
                throw CheckpointError.headerLengthPastEnd(file: path, headerLength: headerLength, fileSize: size)
            }
            guard headerLength <= Self.maximumHeaderLength else {
                throw CheckpointError.invalidHeader(file: path, reason: "header length \(headerLength) exceeds the 100 MB limit")
            }
            let header = Data(bytes[8..<(8 + Int(headerLength))])
            let dataStart = 8 + Int(headerLength)
            let parsed = try SafetensorsHeader.parse(header, file: path, dataSize: size - dataStart)
            self.metadata = parsed.metadata
            self.tensors = parsed.tensors
            self.tensorNames = parsed.orderedNames
            self.dataStart = dataStart
        } catch let error as CheckpointError {
            munmap(pointer, size)
            throw error
        } catch {
            munmap(pointer, size)
            throw .invalidHeader(file: path, reason: "\(error)")
        }
        self.mapping = pointer
        self.mappedSize = size
    }

    deinit {
        if let mapping { munmap(mapping, mappedSize) }
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
        let start = mapping.map { UnsafeRawPointer($0) + dataStart + info.dataOffsets.lowerBound }
        return try body(UnsafeRawBufferPointer(start: info.dataOffsets.isEmpty ? nil : start, count: info.dataOffsets.count))
    }

    /// A copy of the tensor's raw little-endian bytes.
    public func rawBytes(of name: String) throws(CheckpointError) -> Data {
        let info = try info(name)
        guard let mapping, !info.dataOffsets.isEmpty else { return Data() }
        return Data(bytes: mapping + dataStart + info.dataOffsets.lowerBound, count: info.dataOffsets.count)
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
        guard let mapping, !info.dataOffsets.isEmpty else { return nil }
        return mapping + dataStart + info.dataOffsets.lowerBound
    }

    private func rawBuffer(_ info: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        guard let mapping, !info.dataOffsets.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: mapping + dataStart + info.dataOffsets.lowerBound, count: info.dataOffsets.count)
    }
}
