// Errors of the restricted PyTorch checkpoint reader: every case names the file and what was wrong.

/// Everything that can go wrong reading a `torch.save` archive.
public enum PyTorchArchiveError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The file is a pre-1.6 `torch.save` file (a bare pickle or a tar), which this reader does not parse.
    case legacyFormat(file: String, kind: String)
    /// The zip container is malformed (truncated, inconsistent offsets, encrypted, …).
    case invalidArchive(file: String, reason: String)
    /// An entry is compressed; `torch.save` stores entries uncompressed.
    case compressedEntry(file: String, entry: String, method: Int)
    /// A record the archive must hold is absent.
    case missingRecord(file: String, record: String)
    /// The pickle stream is malformed at byte `offset` of `data.pkl`.
    case invalidPickle(file: String, offset: Int, reason: String)
    /// The pickle uses an opcode outside the supported subset.
    case unsupportedOpcode(file: String, offset: Int, opcode: UInt8)
    /// The pickle names a global outside the allow-list (nothing is ever executed).
    case forbiddenGlobal(file: String, offset: Int, global: String)
    /// The pickle calls an allowed global with arguments a plain state dict never has.
    case forbiddenCall(file: String, offset: Int, callable: String, reason: String)
    /// The pickled object is not a (possibly nested) dictionary of tensors.
    case notAStateDict(file: String, reason: String)
    /// A tensor's storage, dtype or geometry is invalid.
    case invalidTensor(file: String, tensor: String, reason: String)
    /// A storage type the engine cannot represent (complex, quantised, …).
    case unsupportedStorage(file: String, storageType: String)
    /// The archive stores big-endian data.
    case unsupportedByteOrder(file: String, byteOrder: String)
    /// No tensor of that name.
    case tensorNotFound(file: String, tensor: String)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .legacyFormat(let file, let kind):
            return "\(file): legacy torch.save format (\(kind), PyTorch < 1.6), which this reader does not parse; "
                + "convert it with PyTorch: torch.save(torch.load(path, weights_only=True), new_path)"
        case .invalidArchive(let file, let reason):
            return "\(file): invalid PyTorch zip archive: \(reason)"
        case .compressedEntry(let file, let entry, let method):
            return "\(file): entry '\(entry)' is compressed (method \(method)); torch.save stores entries uncompressed"
        case .missingRecord(let file, let record):
            return "\(file): the archive has no record '\(record)'"
        case .invalidPickle(let file, let offset, let reason):
            return "\(file): data.pkl byte \(offset): \(reason)"
        case .unsupportedOpcode(let file, let offset, let opcode):
            return "\(file): data.pkl byte \(offset): pickle opcode 0x\(String(opcode, radix: 16)) is outside the state-dict subset"
        case .forbiddenGlobal(let file, let offset, let global):
            return "\(file): data.pkl byte \(offset): refusing global '\(global)': only plain state dicts (tensors, storages, dicts) are loaded"
        case .forbiddenCall(let file, let offset, let callable, let reason):
            return "\(file): data.pkl byte \(offset): refusing call of '\(callable)': \(reason)"
        case .notAStateDict(let file, let reason):
            return "\(file): not a state dict: \(reason)"
        case .invalidTensor(let file, let tensor, let reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case .unsupportedStorage(let file, let storageType):
            return "\(file): storage type '\(storageType)' is not supported (float, half, bfloat16, double, integer and bool storages are)"
        case .unsupportedByteOrder(let file, let byteOrder):
            return "\(file): byte order '\(byteOrder)' is not supported (only little-endian archives are)"
        case .tensorNotFound(let file, let tensor):
            return "\(file): no tensor named '\(tensor)'"
        }
    }
}
