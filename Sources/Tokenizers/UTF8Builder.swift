/// Builds a String from Unicode scalars through a UTF-8 byte buffer. Appending a run of scalars to a
/// `String.UnicodeScalarView` re-reserves the string on every call (quadratic on long text), so hot
/// paths that rebuild whole inputs collect bytes here and make the String once.
struct UTF8Builder {
    private var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func append(_ scalar: Unicode.Scalar) {
        if scalar.value < 0x80 { bytes.append(UInt8(truncatingIfNeeded: scalar.value)); return }
        UTF8.encode(scalar) { bytes.append($0) }
    }

    mutating func append<Scalars: Sequence>(contentsOf scalars: Scalars) where Scalars.Element == Unicode.Scalar {
        for scalar in scalars { append(scalar) }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
