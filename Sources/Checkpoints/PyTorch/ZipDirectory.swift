// The zip container of `torch.save` (PyTorch's caffe2/serialize/inline_container.cc over miniz): PKZIP with
// stored (uncompressed) entries, each entry's data aligned to 64 bytes through padding in the local extra
// field, and zip64 records once the archive or an entry passes 4 GiB. Only the central directory is trusted
// for sizes; every offset is checked against the file before it is read.

/// One stored entry of the archive: where its bytes lie in the file.
struct ZipEntry: Sendable, Equatable {
    var name: String
    /// Byte range of the (uncompressed) data inside the file.
    var data: Range<Int>
    /// CRC-32 from the central directory.
    var crc32: UInt32
}

/// Bounds-checked little-endian reads from a byte buffer; every read returns nil past the end.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer

    func uint16(at offset: Int) -> Int? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * UInt32(index)) }
        return value
    }

    func uint64(at offset: Int) -> UInt64? {
        guard offset >= 0, offset <= bytes.count - 8 else { return nil }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        return value
    }

    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[range])
    }
}

enum ZipDirectory {
    static let localHeaderSignature: UInt32 = 0x0403_4b50
    static let centralHeaderSignature: UInt32 = 0x0201_4b50
    static let endSignature: UInt32 = 0x0605_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50

    /// Every entry of the archive in `bytes`, by name. Throws for anything malformed, encrypted or compressed.
    static func entries(of bytes: UnsafeRawBufferPointer, file: String) throws(PyTorchArchiveError) -> [String: ZipEntry] {
        let cursor = ByteCursor(bytes: bytes)
        func fail(_ reason: String) -> PyTorchArchiveError { .invalidArchive(file: file, reason: reason) }
        let size = bytes.count
        guard size >= 22 else { throw fail("file is \(size) bytes, too short for a zip end-of-central-directory record") }
        // The end record sits in the last 22 + 65535 bytes (its comment is at most 65535 bytes).
        var endOffset: Int?
        var candidate = size - 22
        while candidate >= max(0, size - 22 - 65535) {
            if cursor.uint32(at: candidate) == endSignature, let comment = cursor.uint16(at: candidate + 20),
               candidate + 22 + comment == size {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard let end = endOffset else { throw fail("no end-of-central-directory record (truncated file?)") }
        guard let disk = cursor.uint16(at: end + 4), let directoryDisk = cursor.uint16(at: end + 6),
              let count16 = cursor.uint16(at: end + 10), let size32 = cursor.uint32(at: end + 12),
              let offset32 = cursor.uint32(at: end + 16) else { throw fail("truncated end record") }
        var entryCount = UInt64(count16)
        var directorySize = UInt64(size32)
        var directoryOffset = UInt64(offset32)
        if count16 == 0xFFFF || size32 == 0xFFFF_FFFF || offset32 == 0xFFFF_FFFF {
            let locator = end - 20
            guard cursor.uint32(at: locator) == zip64LocatorSignature, let recordOffset = cursor.uint64(at: locator + 8),
                  recordOffset <= UInt64(locator), cursor.uint32(at: Int(recordOffset)) == zip64EndSignature else {
                throw fail("the end record defers to zip64, but no valid zip64 end record is found")
            }
            let record = Int(recordOffset)
            guard let total = cursor.uint64(at: record + 32), let size64 = cursor.uint64(at: record + 40),
                  let offset64 = cursor.uint64(at: record + 48) else { throw fail("truncated zip64 end record") }
            entryCount = total
            directorySize = size64
            directoryOffset = offset64
        } else if disk != 0 || directoryDisk != 0 {
            throw fail("multi-disk archives are not supported")
        }
        guard directoryOffset <= UInt64(size), directorySize <= UInt64(size) - directoryOffset else {
            throw fail("central directory [\(directoryOffset), +\(directorySize)) lies outside the \(size)-byte file")
        }
        // Each central header is at least 46 bytes, which bounds the count by the directory size.
        guard entryCount <= directorySize / 46 else {
            throw fail("\(entryCount) entries cannot fit in a \(directorySize)-byte central directory")
        }
        var entries: [String: ZipEntry] = [:]
        var position = Int(directoryOffset)
        let directoryEnd = Int(directoryOffset + directorySize)
        for _ in 0..<Int(entryCount) {
            guard position + 46 <= directoryEnd, cursor.uint32(at: position) == centralHeaderSignature,
                  let flags = cursor.uint16(at: position + 8), let method = cursor.uint16(at: position + 10),
                  let crc = cursor.uint32(at: position + 16), let compressed32 = cursor.uint32(at: position + 20),
                  let uncompressed32 = cursor.uint32(at: position + 24), let nameLength = cursor.uint16(at: position + 28),
                  let extraLength = cursor.uint16(at: position + 30), let commentLength = cursor.uint16(at: position + 32),
                  let local32 = cursor.uint32(at: position + 42) else {
                throw fail("malformed central directory header at byte \(position)")
            }
            let nameStart = position + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directoryEnd, let nameBytes = cursor.slice(nameStart..<extraStart) else {
                throw fail("central directory header at byte \(position) runs past the directory")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard flags & 1 == 0 else { throw fail("entry '\(name)' is encrypted") }
            var compressed = UInt64(compressed32), uncompressed = UInt64(uncompressed32), local = UInt64(local32)
            if compressed32 == 0xFFFF_FFFF || uncompressed32 == 0xFFFF_FFFF || local32 == 0xFFFF_FFFF {
                guard let extra = cursor.slice(extraStart..<(extraStart + extraLength)),
                      let values = zip64Values(in: extra) else {
                    throw fail("entry '\(name)' needs a zip64 extra field, which is missing or malformed")
                }
                var index = 0
                func take() -> UInt64? { defer { index += 1 }; return index < values.count ? values[index] : nil }
                if uncompressed32 == 0xFFFF_FFFF { guard let value = take() else { throw fail("entry '\(name)': zip64 size missing") }; uncompressed = value }
                if compressed32 == 0xFFFF_FFFF { guard let value = take() else { throw fail("entry '\(name)': zip64 size missing") }; compressed = value }
                if local32 == 0xFFFF_FFFF { guard let value = take() else { throw fail("entry '\(name)': zip64 offset missing") }; local = value }
            }
            guard method == 0 else { throw .compressedEntry(file: file, entry: name, method: method) }
            guard compressed == uncompressed else {
                throw fail("stored entry '\(name)' has compressed size \(compressed) ≠ size \(uncompressed)")
            }
            let data = try dataRange(cursor: cursor, localOffset: local, size: uncompressed, name: name, fileSize: size, file: file)
            guard entries[name] == nil else { throw fail("entry '\(name)' appears twice") }
            entries[name] = ZipEntry(name: name, data: data, crc32: crc)
            position = next
        }
        return entries
    }

    /// The 8-byte values of the zip64 extended-information extra field (id 0x0001), if present.
    private static func zip64Values(in extra: UnsafeRawBufferPointer) -> [UInt64]? {
        let cursor = ByteCursor(bytes: extra)
        var position = 0
        while position + 4 <= extra.count {
            guard let id = cursor.uint16(at: position), let length = cursor.uint16(at: position + 2),
                  position + 4 + length <= extra.count else { return nil }
            if id == 1 {
                return (0..<(length / 8)).compactMap { cursor.uint64(at: position + 4 + 8 * $0) }
            }
            position += 4 + length
        }
        return nil
    }

    /// Where an entry's data lies: after its local header, whose name and extra lengths may differ from the central one's.
    private static func dataRange(cursor: ByteCursor, localOffset: UInt64, size: UInt64, name: String,
                                  fileSize: Int, file: String) throws(PyTorchArchiveError) -> Range<Int> {
        func fail(_ reason: String) -> PyTorchArchiveError { .invalidArchive(file: file, reason: "entry '\(name)': \(reason)") }
        guard localOffset <= UInt64(fileSize) else { throw fail("local header offset \(localOffset) lies past the end of the file") }
        let local = Int(localOffset)
        guard cursor.uint32(at: local) == localHeaderSignature, let nameLength = cursor.uint16(at: local + 26),
              let extraLength = cursor.uint16(at: local + 28) else {
            throw fail("no local file header at byte \(local)")
        }
        let start = local + 30 + nameLength + extraLength
        guard let localName = cursor.slice((local + 30)..<(local + 30 + nameLength)),
              String(decoding: localName, as: UTF8.self) == name else {
            throw fail("the local header at byte \(local) names a different entry")
        }
        guard start <= fileSize, size <= UInt64(fileSize - start) else {
            throw fail("data [\(start), +\(size)) runs past the end of the \(fileSize)-byte file (truncated?)")
        }
        return start..<(start + Int(size))
    }

    /// CRC-32 (IEEE, as zip uses) of `bytes`.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
}
