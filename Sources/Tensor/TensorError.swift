/// Errors from the tensor engine for bad data (as opposed to programmer errors, which trap).
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// The number of values does not match the shape.
    case elementCountMismatch(shape: [Int], expected: Int, found: Int)
    /// A shape has a negative dimension.
    case invalidShape([Int])
    /// A shape whose strides or byte size do not fit in Int (possible even with zero elements).
    case shapeTooLarge([Int])
    /// An index value is outside the axis it indexes.
    case indexOutOfRange(operation: String, index: Int, axisSize: Int)
    /// The BLAS library could not be loaded.
    case blasUnavailable(String)
    /// A probability vector is unusable (negative, NaN, all zero or too few non-zero entries).
    case invalidProbabilities(String)

    public var description: String {
        switch self {
        case let .elementCountMismatch(shape, expected, found):
            "shape \(shape) needs \(expected) values, got \(found)"
        case let .invalidShape(shape): "invalid shape \(shape): dimensions must be non-negative"
        case let .shapeTooLarge(shape): "shape \(shape) is too large: its strides or byte size overflow a 64-bit integer"
        case let .indexOutOfRange(operation, index, axisSize):
            "\(operation): index \(index) is out of range for an axis of size \(axisSize)"
        case let .blasUnavailable(message): "BLAS unavailable: \(message)"
        case let .invalidProbabilities(message): "invalid probabilities: \(message)"
        }
    }
}
