// The relative bar, shared by the Wan parity tests.
import Tensor

/// max |a − b| ÷ max |b| over all elements (any layout).
func relativeError(_ found: Tensor, _ expected: Tensor) -> Float {
    let a = found.contiguous().scalars, b = expected.contiguous().scalars
    var error: Float = 0, scale: Float = 0
    for (x, y) in zip(a, b) {
        error = max(error, abs(x - y))
        scale = max(scale, abs(y))
    }
    return error / max(scale, .leastNormalMagnitude)
}
