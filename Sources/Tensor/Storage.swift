import Foundation

/// Where a tensor's storage lives. The CPU is the only backend today; ops check the device so a
/// GPU backend can slot in behind the same Tensor API without touching model code.
public enum Device: String, Sendable, CustomStringConvertible {
    case cpu
    public var description: String { rawValue }
}

/// Reference-counted, 64-byte-aligned raw memory shared by a tensor and all its views (large
/// buffers are recycled through `BufferPool`).
public final class Storage: @unchecked Sendable {
    /// Start of the allocation.
    public let bytes: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int
    /// The device holding the memory.
    public let device: Device
    private let owner: AnyObject?

    /// Allocates storage, zero-filled unless `zeroed` is false (for buffers a kernel overwrites).
    public init(byteCount: Int, device: Device = .cpu, zeroed: Bool = true) {
        let size = max(byteCount, 1)
        bytes = BufferPool.shared.allocate(byteCount: size)
        if zeroed { bytes.initializeMemory(as: UInt8.self, repeating: 0, count: size) }
        self.byteCount = byteCount
        self.device = device
        owner = nil
    }

    /// Wraps memory owned by another object (for example a memory-mapped checkpoint); the owner is
    /// kept alive as long as the storage, and the memory is not freed here.
    public init(borrowing bytes: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.bytes = bytes
        self.byteCount = byteCount
        device = .cpu
        self.owner = owner
    }

    /// Zero-filled storage that takes no physical memory until written: an anonymous private mapping,
    /// whose pages the kernel supplies (as zeros) on first touch. A model built from such tensors costs
    /// nothing before `load` replaces them with memory-mapped checkpoint tensors.
    public init(reservingZeroedByteCount byteCount: Int) {
        let size = max(byteCount, 1)
        let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        precondition(mapped != MAP_FAILED && mapped != nil, "cannot reserve \(size) bytes: \(String(cString: strerror(errno)))")
        bytes = mapped!
        self.byteCount = byteCount
        device = .cpu
        owner = ReservedMapping(size: size)
    }

    deinit {
        if let reservation = owner as? ReservedMapping { munmap(bytes, reservation.size) }
        else if owner == nil { BufferPool.shared.release(bytes, byteCount: max(byteCount, 1)) }
    }
}

/// Marks storage from `init(reservingZeroedByteCount:)`, which is unmapped rather than pooled.
private final class ReservedMapping {
    let size: Int
    init(size: Int) { self.size = size }
}
