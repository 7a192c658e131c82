// A restricted reader for `torch.save` checkpoints (torch/serialization.py `_load` over a zip archive):
// `<prefix>/data.pkl` is the pickled state dict, `<prefix>/data/<key>` the raw little-endian storages,
// `<prefix>/byteorder` and `<prefix>/version` the format records. Only plain state dicts load; nothing in
// the pickle is executed (see PickleMachine).
import Foundation
import Support
import Tensor

/// A `torch.save` archive (`.pth`, `.pt`, `.bin`) holding a state dict, memory-mapped and parsed up front.
///
/// Nested dicts (and lists) are flattened with dots, as `{"model": {"w": t}}` → `model.w`.
/// ```swift
/// let archive = try PyTorchArchive(url: URL(fileURLWithPath: "models_t5_umt5-xxl-enc-bf16.pth"))
/// let weights = try archive.allTensors(mapped: true)
/// ```
public final class PyTorchArchive: Sendable {
    /// Deepest nesting of dicts and lists accepted in the pickled object.
    public static let maximumNesting = 64
    /// Most values (containers and leaves) visited when flattening: memo references can repeat a container,
    /// or put a list inside itself, so the tree a small pickle describes can be exponentially large.
    public static let maximumEntries = 1_000_000
    /// Most bytes of flattened key names in all (long keys nested under repeated containers multiply).
    public static let maximumNameBytes = 64 << 20

    /// The file this was read from.
    public let url: URL
    /// The records' common directory inside the zip (torch uses the file's stem, or `archive`).
    public let recordPrefix: String
    /// The `version` record (nil when absent).
    public let formatVersion: String?
    /// Tensor descriptions by flattened key.
    public let tensors: [String: PyTorchTensorInfo]
    /// Tensor keys in pickle order.
    public let tensorNames: [String]
    /// Leaves that are not tensors (ints, floats, strings, None), rendered as Python would print them.
    public let otherValues: [String: String]

    private let mapping: MappedUserFile
    private let storageRanges: [String: Range<Int>]

    /// Maps and parses `url`. Throws a `PyTorchArchiveError` naming the file on any defect, a forbidden global,
    /// or a tensor whose view lies outside its storage.
    public init(url: URL) throws(PyTorchArchiveError) {
        self.url = url
        let path = url.path
        do { mapping = try UserFile.map(path) } catch { throw .cannotOpen(file: path, reason: error.reason) }
        let bytes = mapping.bytes
        try Self.refuseLegacy(bytes, file: path)
        let entries = try ZipDirectory.entries(of: bytes, file: path)
        let pickles = entries.keys.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/", omittingEmptySubsequences: false).count == 2 }
        guard pickles.count == 1, let pickleName = pickles.first else {
            if pickles.isEmpty { throw .missingRecord(file: path, record: "<archive>/data.pkl") }
            throw .invalidArchive(file: path, reason: "several data.pkl records: \(pickles.sorted().joined(separator: ", "))")
        }
        let prefix = String(pickleName.dropLast("/data.pkl".count))
        recordPrefix = prefix

        func record(_ name: String) -> ZipEntry? { entries["\(prefix)/\(name)"] }
        func text(_ entry: ZipEntry) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[entry.data]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let byteOrder = record("byteorder") {
            let order = text(byteOrder)
            guard order == "little" else { throw .unsupportedByteOrder(file: path, byteOrder: order) }
        }
        formatVersion = record("version").map(text)

        var ranges: [String: Range<Int>] = [:]
        for (name, entry) in entries where name.hasPrefix("\(prefix)/data/") {
            ranges[String(name.dropFirst("\(prefix)/data/".count))] = entry.data
        }
        storageRanges = ranges

        guard let pickle = record("data.pkl") else { throw .missingRecord(file: path, record: pickleName) }
        let pickleBytes = UnsafeRawBufferPointer(rebasing: bytes[pickle.data])
        guard ZipDirectory.crc32(pickleBytes) == pickle.crc32 else {
            throw .invalidArchive(file: path, reason: "CRC mismatch in '\(pickleName)' (corrupted file?)")
        }
        var machine = PickleMachine(bytes: pickleBytes, file: path) { (dtype, key, count) throws(PyTorchArchiveError) in
            guard let range = ranges[key] else { throw .missingRecord(file: path, record: "\(prefix)/data/\(key)") }
            let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, needed == range.count else {
                throw .invalidArchive(file: path, reason: "storage '\(key)' holds \(range.count) bytes, but \(count) \(dtype.rawValue) elements need \(overflow ? "more" : String(needed))")
            }
            return PyTorchStorageReference(key: key, dtype: dtype, elementCount: count)
        }
        let root = try machine.run()
        var flattener = StateDictFlattener(file: path)
        try flattener.flatten(root)
        tensors = flattener.tensors
        tensorNames = flattener.order
        otherValues = flattener.others
    }

    /// Whether `url` starts like a zip archive (PK\x03\x04), the container of `torch.save` since PyTorch 1.6.
    /// Only regular files are looked at (a named pipe would block a plain open).
    public static func isArchive(_ url: URL) -> Bool {
        guard let mapping = try? UserFile.map(url.path), mapping.bytes.count >= 4 else { return false }
        return Array(mapping.bytes[0..<4]) == [0x50, 0x4B, 0x03, 0x04]
    }

    /// The description of tensor `name`.
    public func info(_ name: String) throws(PyTorchArchiveError) -> PyTorchTensorInfo {
        guard let info = tensors[name] else { throw .tensorNotFound(file: url.path, tensor: name) }
        return info
    }

    /// Calls `body` with the raw little-endian bytes of a storage record (straight from the mapping).
    public func withStorageBytes<Result>(_ storage: PyTorchStorageReference,
                                         _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        // Every reference was validated against the records at init.
        let range = storageRanges[storage.key] ?? 0..<0
        return try body(UnsafeRawBufferPointer(rebasing: mapping.bytes[range]))
    }

    /// A pre-1.6 file is a bare pickle (magic number first) or a tar; name it rather than call it a bad zip.
    private static func refuseLegacy(_ bytes: UnsafeRawBufferPointer, file: String) throws(PyTorchArchiveError) {
        guard bytes.count >= 4, !(bytes[0] == 0x50 && bytes[1] == 0x4B) else { return }
        if bytes[0] == 0x80 { throw .legacyFormat(file: file, kind: "a bare pickle stream") }
        if bytes.count >= 262, Array(bytes[257..<262]) == Array("ustar".utf8) { throw .legacyFormat(file: file, kind: "a tar archive") }
    }
}

/// Turns the unpickled object into flat `key → tensor` entries, checking every view against its storage.
struct StateDictFlattener {
    let file: String
    var tensors: [String: PyTorchTensorInfo] = [:]
    var order: [String] = []
    var others: [String: String] = [:]
    private var visited = 0
    private var nameBytes = 0

    init(file: String) { self.file = file }

    mutating func flatten(_ root: PickleValue) throws(PyTorchArchiveError) {
        guard case .dict = root else { throw .notAStateDict(file: file, reason: "the pickled object is a \(root.typeName), not a dict") }
        try visit(root, prefix: "", depth: 0)
    }

    private mutating func visit(_ value: PickleValue, prefix: String, depth: Int) throws(PyTorchArchiveError) {
        try count()
        guard depth <= PyTorchArchive.maximumNesting else {
            throw .notAStateDict(file: file, reason: "nesting deeper than \(PyTorchArchive.maximumNesting) at '\(prefix)'")
        }
        func join(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }
        switch value {
        case .dict(let dictionary):
            for (key, item) in dictionary.entries {
                let name: String
                switch key {
                case .string(let text): name = text
                case .int(let number): name = String(number)
                default: throw .notAStateDict(file: file, reason: "a key under '\(prefix)' is a \(key.typeName), not a string")
                }
                try visit(item, prefix: join(name), depth: depth + 1)
            }
        case .list(let list):
            for (index, item) in list.items.enumerated() { try visit(item, prefix: join(String(index)), depth: depth + 1) }
        case .tuple(let items):
            for (index, item) in items.enumerated() { try visit(item, prefix: join(String(index)), depth: depth + 1) }
        case .tensor(let storage, let offset, let shape, let strides):
            try countName(prefix)
            let info = PyTorchTensorInfo(name: prefix, storage: storage, storageOffset: offset, shape: shape, strides: strides)
            try validate(info)
            guard tensors[prefix] == nil else { throw .notAStateDict(file: file, reason: "key '\(prefix)' appears twice after flattening") }
            tensors[prefix] = info
            order.append(prefix)
        case .storage, .global:
            throw .notAStateDict(file: file, reason: "'\(prefix)' is a bare \(value.typeName)")
        default:
            try countName(prefix)
            others[prefix] = value.scalarDescription ?? value.typeName
        }
    }

    private mutating func count() throws(PyTorchArchiveError) {
        visited += 1
        guard visited <= PyTorchArchive.maximumEntries else {
            throw .notAStateDict(file: file, reason: "more than \(PyTorchArchive.maximumEntries) values (a container repeated or inside itself?)")
        }
    }

    private mutating func countName(_ name: String) throws(PyTorchArchiveError) {
        nameBytes += name.utf8.count
        guard nameBytes <= PyTorchArchive.maximumNameBytes else {
            throw .notAStateDict(file: file, reason: "flattened key names exceed \(PyTorchArchive.maximumNameBytes >> 20) MB")
        }
    }

    /// The view must fit its storage: offset + Σ (size − 1)·stride < count, computed without overflow.
    private func validate(_ info: PyTorchTensorInfo) throws(PyTorchArchiveError) {
        func fail(_ reason: String) -> PyTorchArchiveError { .invalidTensor(file: file, tensor: info.name, reason: reason) }
        guard info.shape.count == info.strides.count else {
            throw fail("size \(info.shape) and stride \(info.strides) differ in rank")
        }
        guard info.shape.allSatisfy({ $0 >= 0 }), info.strides.allSatisfy({ $0 >= 0 }), info.storageOffset >= 0 else {
            throw fail("negative size, stride or offset (size \(info.shape), stride \(info.strides), offset \(info.storageOffset))")
        }
        do { _ = try TensorLayout(shape: info.shape, elementSize: 8) } catch { throw fail("shape \(info.shape) cannot be laid out: \(error)") }
        guard !info.shape.contains(0) else { return }
        var last = info.storageOffset
        for (size, stride) in zip(info.shape, info.strides) {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowSum) = last.addingReportingOverflow(step)
            guard !overflow, !overflowSum else { throw fail("view geometry overflows") }
            last = sum
        }
        guard last < info.storage.elementCount else {
            throw fail("view (offset \(info.storageOffset), size \(info.shape), stride \(info.strides)) reaches element \(last) of a \(info.storage.elementCount)-element storage '\(info.storage.key)'")
        }
    }
}
