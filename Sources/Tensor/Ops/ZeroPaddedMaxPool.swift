// `F.max_pool3d(F.pad(x, pad), kernel, stride)`: max pooling over a zero-padded border (I3D's MaxPool3dSamePadding,
// TF SAME, asymmetric), computed separably (W, then H, then T) without materialising the padded tensor.
// The separable kernel is forward only (inference: FVD features); under autodiff the op takes the differentiable
// padded + maxPool3d route, which gives the same values.

extension Tensor {
    /// Max pooling of [N, C, T, H, W] after zero padding (`padding[axis]` before/after T, H, W): equal, element for
    /// element, to `padded(...)` followed by `maxPool3d(kernel:stride:)`. Max is exact and a box is the product of its
    /// three axes, so three 1-D passes (k per output each, not k³) give the same values.
    ///
    /// When autodiff is recording and the input carries a gradient, it runs as `padded` + `maxPool3d` instead (the
    /// gradient goes to each window's first maximum; padding gets none); otherwise the separable forward-only kernel.
    public func maxPool3d(kernel: [Int], stride: [Int], zeroPadding padding: [ConvolutionPadding]) -> Tensor {
        precondition(rank == 5 && kernel.count == 3 && stride.count == 3 && padding.count == 3,
                     "maxPool3d(zeroPadding:) expects [N, C, T, H, W] and three-element parameters")
        if Autograd.isRecording && gradientNode != nil {
            // F.pad order: last axis first, (before, after) pairs.
            let amounts = [padding[2].front, padding[2].back, padding[1].front, padding[1].back, padding[0].front, padding[0].back]
            return padded(amounts).maxPool3d(kernel: kernel, stride: stride)
        }
        let input = shape[2...].map { $0 }
        var output = [Int]()
        for axis in 0..<3 {
            let span = input[axis] + padding[axis].front + padding[axis].back
            precondition(kernel[axis] > 0 && stride[axis] > 0 && padding[axis].front >= 0 && padding[axis].back >= 0 && span >= kernel[axis],
                         "maxPool3d(zeroPadding:): kernel \(kernel[axis]) does not fit the padded size \(span) on axis \(axis)")
            output.append((span - kernel[axis]) / stride[axis] + 1)
        }
        let x = converted(to: .float32).contiguous()
        let result = Tensor(shape: Array(shape[0..<2]) + output, zeroed: false)
        let planes = shape[0] * shape[1]
        let (t, h, w) = (input[0], input[1], input[2]), (to, ho, wo) = (output[0], output[1], output[2])
        let source = SendablePointer(x.pointer(as: Float.self)), target = SendablePointer(result.pointer(as: Float.self))
        let geometry = (kernel: kernel, stride: stride, front: padding.map(\.front))
        Parallel.forEach(count: planes) { range in
            // Scratch per worker: after the W pass [T, H, Wo], after the H pass [T, Ho, Wo].
            let afterWidth = UnsafeMutablePointer<Float>.allocate(capacity: t * h * wo)
            let afterHeight = UnsafeMutablePointer<Float>.allocate(capacity: t * ho * wo)
            // The plane pooled at stride 1 along W, subsampled afterwards when the W stride is larger.
            let denseRow = UnsafeMutablePointer<Float>.allocate(capacity: geometry.stride[2] > 1 ? t * h * w : 1)
            defer {
                afterWidth.deallocate()
                afterHeight.deallocate()
                denseRow.deallocate()
            }
            for plane in range {
                let planeInput = source.base + plane * t * h * w, planeOutput = target.base + plane * to * ho * wo
                // W: rows of w → rows of wo, as flat passes over the whole plane (rows are short: 7 to 112).
                Self.poolWidth(planeInput, rows: t * h, width: w, into: afterWidth, outputs: wo, kernel: geometry.kernel[2],
                               stride: geometry.stride[2], front: geometry.front[2], dense: denseRow)
                // H and T: whole rows at once (the inner loop runs along W, contiguous and vectorisable).
                for frame in 0..<t {
                    Self.poolRows(afterWidth + frame * h * wo, rows: h, into: afterHeight + frame * ho * wo, outputs: ho, width: wo,
                                  kernel: geometry.kernel[1], stride: geometry.stride[1], front: geometry.front[1])
                }
                Self.poolRows(afterHeight, rows: t, into: planeOutput, outputs: to, width: ho * wo,
                              kernel: geometry.kernel[0], stride: geometry.stride[0], front: geometry.front[0])
            }
        }
        withExtendedLifetime(x) {}  // the workers read x's storage through a raw pointer
        return result
    }

    /// The W pass of one plane, `rows` rows of `width` → rows of `outputs`: out[r][o] = max over the zero-padded row r
    /// of the window starting at o·stride − front. Windows inside their row come from flat passes over the whole
    /// plane (one vectorised max per tap over rows × width elements, blind to row ends); the few windows that reach
    /// into the padding (or past the dense result) are then computed one by one.
    private static func poolWidth(_ input: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>,
                                  outputs: Int, kernel: Int, stride: Int, front: Int, dense: UnsafeMutablePointer<Float>) {
        let count = rows * width
        // flat[i] = max of input[i − front + d], d < kernel: right for every window that stays inside its row.
        let flat = stride == 1 && outputs == width ? output : dense
        if stride == 1 && outputs != width || kernel > width || front >= kernel {
            // Padding wider than SAME (a window may start past the row's end) or a kernel longer than a row:
            // every window one by one.
            for row in 0..<rows { poolBorders(input + row * width, width: width, into: output + row * outputs, outputs: outputs,
                                              kernel: kernel, stride: stride, front: front, inside: 0..<0) }
            return
        }
        // flat[i] = input[i − front]; the first `front` are border windows, computed below.
        flat.initialize(repeating: -.infinity, count: front)
        (flat + front).update(from: input, count: count - front)
        for d in 1..<kernel {
            // i − front + d within [0, count)
            let low = Swift.max(0, front - d), high = Swift.min(count, count + front - d)
            guard low < high else { continue }
            accumulateMaximum(into: flat + low, from: input + (low - front + d), count: high - low)
        }
        // Outputs o whose window [o·stride − front, + kernel) lies inside the row.
        let firstInside = (front + stride - 1) / stride
        let lastInside = (width - kernel + front) / stride  // o·stride − front + kernel ≤ width
        let inside = firstInside..<Swift.max(firstInside, Swift.min(outputs, lastInside + 1))
        for row in 0..<rows {
            let line = input + row * width, target = output + row * outputs
            if flat != output {
                let source = flat + row * width
                for o in inside { target[o] = source[o &* stride] }
            }
            poolBorders(line, width: width, into: target, outputs: outputs, kernel: kernel, stride: stride, front: front, inside: inside)
        }
    }

    /// The outputs of one row outside `inside`, window by window: a window that reaches the padding sees a 0.
    private static func poolBorders(_ line: UnsafePointer<Float>, width: Int, into target: UnsafeMutablePointer<Float>, outputs: Int,
                                    kernel: Int, stride: Int, front: Int, inside: Range<Int>) {
        for o in 0..<outputs where !inside.contains(o) {
            let start = o * stride - front
            var best: Float = (start < 0 || start + kernel > width) ? 0 : -.infinity
            let first = Swift.max(start, 0), last = Swift.min(start + kernel, width)
            for j in first..<Swift.max(first, last) where line[j] > best || line[j].isNaN {
                best = line[j]
                if best.isNaN { break }
            }
            target[o] = best
        }
    }

    /// Row j of the output = element-wise max of input rows j·stride − front + i (zero rows outside [0, rows)).
    private static func poolRows(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, outputs: Int,
                                 width: Int, kernel: Int, stride: Int, front: Int) {
        for j in 0..<outputs {
            let start = j * stride - front, end = start + kernel
            let first = Swift.max(start, 0), last = Swift.min(end, rows)
            let target = output + j * width
            if start < 0 || end > rows {
                target.initialize(repeating: 0, count: width)
            } else {
                target.initialize(repeating: -.infinity, count: width)
            }
            for i in first..<Swift.max(first, last) {  // a window wholly in the padding reads no row
                let row = input + i * width
                accumulateMaximum(into: target, from: row, count: width)
            }
        }
    }

    /// target[k] = max(target[k], source[k]) for k < count, NaN propagating; eight lanes at a time.
    private static func accumulateMaximum(into target: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, count: Int) {
        var k = 0
        let targetBytes = UnsafeMutableRawPointer(target), sourceBytes = UnsafeRawPointer(source)
        while k &+ 8 <= count {
            let value = sourceBytes.loadUnaligned(fromByteOffset: k &* 4, as: SIMD8<Float>.self)
            var best = targetBytes.loadUnaligned(fromByteOffset: k &* 4, as: SIMD8<Float>.self)
            best.replace(with: value, where: (value .> best) .| (value .!= value))
            targetBytes.storeBytes(of: best, toByteOffset: k &* 4, as: SIMD8<Float>.self)
            k &+= 8
        }
        while k < count {
            let value = source[k], best = target[k]
            target[k] = value > best || value.isNaN ? value : best
            k &+= 1
        }
    }
}
