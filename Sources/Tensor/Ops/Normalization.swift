import CKernels

extension Tensor {
    /// RMSNorm over `axis` (Qwen2RMSNorm / T5LayerNorm over the last axis; Wan's VAE RMS_norm over the
    /// channels, axis 1 of [B, C, T, H, W], with ε = 0 up to its 1e-12 floor on the norm):
    /// x · rsqrt(mean(x²) + ε) · weight, computed in float32. Any axis reads the input in place.
    public func rmsNorm(weight: Tensor?, epsilon: Float, axis: Int = -1) -> Tensor {
        if rank > 0 && normalizedAxis(axis) != rank - 1 {
            return normalizedAlong(axis: axis, weight: weight, bias: nil, centered: false, epsilon: epsilon, operation: "rms_norm")
        }
        let dim = shape.last ?? 1
        if let weight { precondition(weight.shape == [dim], "rmsNorm weight \(weight.shape) does not match last axis \(dim)") }
        let x = asFloat32.contiguous(), w = weight?.asFloat32.contiguous()
        let rows = dim == 0 ? 0 : x.elementCount / dim
        let output = Tensor(shape: x.shape, zeroed: false)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let pw = w.map { SendablePointer($0.pointer(as: Float.self)) }
        Parallel.forEach(count: rows, minimumChunk: 8) { range in
            vans_rms_norm_forward(px.base, pw?.base, py.base, Int64(dim), epsilon, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "rms_norm", inputs: [x] + (w.map { [$0] } ?? [])) { gradient in
            let g = gradient.contiguous()
            let inputGrad = Tensor(shape: x.shape, zeroed: false)
            let pg = SendablePointer(g.pointer(as: Float.self)), pgx = SendablePointer(inputGrad.pointer(as: Float.self))
            let partials = RowPartials(rows: rows, width: w == nil ? 0 : dim, buffers: 1)
            partials.run { chunk, range in
                vans_rms_norm_backward(px.base, pw?.base, pg.base, pgx.base, partials.pointer(chunk, 0), Int64(dim), epsilon,
                                       Int64(range.lowerBound), Int64(range.upperBound))
            }
            return withExtendedLifetime((x, w)) { [inputGrad] + (w == nil ? [] : [partials.sum(0)]) }
        }
    }

    /// LayerNorm over `axis` (F.layer_norm for the last axis): (x − mean) · rsqrt(var + ε) · weight + bias.
    /// Any axis reads the input in place.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float, axis: Int = -1) -> Tensor {
        if rank > 0 && normalizedAxis(axis) != rank - 1 {
            return normalizedAlong(axis: axis, weight: weight, bias: bias, centered: true, epsilon: epsilon, operation: "layer_norm")
        }
        let dim = shape.last ?? 1
        for parameter in [weight, bias].compactMap({ $0 }) {
            precondition(parameter.shape == [dim], "layerNorm parameter \(parameter.shape) does not match last axis \(dim)")
        }
        let x = asFloat32.contiguous(), w = weight?.asFloat32.contiguous(), b = bias?.asFloat32.contiguous()
        let rows = dim == 0 ? 0 : x.elementCount / dim
        let output = Tensor(shape: x.shape, zeroed: false)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let pw = w.map { SendablePointer($0.pointer(as: Float.self)) }, pb = b.map { SendablePointer($0.pointer(as: Float.self)) }
        Parallel.forEach(count: rows, minimumChunk: 8) { range in
            vans_layer_norm_forward(px.base, pw?.base, pb?.base, py.base, Int64(dim), epsilon, Int64(range.lowerBound), Int64(range.upperBound))
        }
        let inputs = [x] + [w, b].compactMap { $0 }
        return Autograd.record(output, operation: "layer_norm", inputs: inputs) { gradient in
            let g = gradient.contiguous()
            let inputGrad = Tensor(shape: x.shape, zeroed: false)
            let pg = SendablePointer(g.pointer(as: Float.self)), pgx = SendablePointer(inputGrad.pointer(as: Float.self))
            let partials = RowPartials(rows: rows, width: dim, buffers: 2)
            partials.run { chunk, range in
                vans_layer_norm_backward(px.base, pw?.base, pg.base, pgx.base, w == nil ? nil : partials.pointer(chunk, 0),
                                         b == nil ? nil : partials.pointer(chunk, 1), Int64(dim), epsilon,
                                         Int64(range.lowerBound), Int64(range.upperBound))
            }
            return withExtendedLifetime((x, w, b)) {
                [inputGrad] + (w == nil ? [] : [partials.sum(0)]) + (b == nil ? [] : [partials.sum(1)])
            }
        }
    }

    /// GroupNorm (F.group_norm) of [N, C, ...] with `groups` groups and per-channel weight/bias. The channels
    /// may sit at any `channelAxis` after the batch axis (−1 for channels-last [N, ..., C]); they are read
    /// in place either way.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, epsilon: Float, channelAxis: Int = 1) -> Tensor {
        let axis = normalizedAxis(channelAxis)
        precondition(rank >= 2 && axis >= 1 && groups > 0 && shape[axis] % groups == 0,
                     "groupNorm: \(shape) with channels at axis \(channelAxis) is not divisible into \(groups) groups")
        let channels = shape[axis], outer = shape[1..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let tasks = shape[0] * groups
        for parameter in [weight, bias].compactMap({ $0 }) {
            precondition(parameter.shape == [channels], "groupNorm parameter \(parameter.shape) does not match \(channels) channels")
        }
        let x = asFloat32.contiguous(), w = weight?.asFloat32.contiguous(), b = bias?.asFloat32.contiguous()
        let output = Tensor(shape: x.shape, zeroed: false)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let pw = w.map { SendablePointer($0.pointer(as: Float.self)) }, pb = b.map { SendablePointer($0.pointer(as: Float.self)) }
        Parallel.forEach(count: x.elementCount == 0 ? 0 : tasks) { range in
            vans_group_norm_strided_forward(px.base, pw?.base, pb?.base, py.base, Int64(outer), Int64(channels), Int64(inner),
                                            Int64(groups), epsilon, Int64(range.lowerBound), Int64(range.upperBound))
        }
        let inputs = [x] + [w, b].compactMap { $0 }
        return Autograd.record(output, operation: "group_norm", inputs: inputs) { gradient in
            let g = gradient.contiguous()
            let inputGrad = Tensor(shape: x.shape, zeroed: false)
            let pg = SendablePointer(g.pointer(as: Float.self)), pgx = SendablePointer(inputGrad.pointer(as: Float.self))
            let partials = RowPartials(rows: x.elementCount == 0 ? 0 : tasks, width: channels, buffers: 2)
            partials.run { chunk, range in
                vans_group_norm_strided_backward(px.base, pw?.base, pg.base, pgx.base, w == nil ? nil : partials.pointer(chunk, 0),
                                                 b == nil ? nil : partials.pointer(chunk, 1), Int64(outer), Int64(channels),
                                                 Int64(inner), Int64(groups), epsilon, Int64(range.lowerBound), Int64(range.upperBound))
            }
            return withExtendedLifetime((x, w, b)) {
                [inputGrad] + (w == nil ? [] : [partials.sum(0)]) + (b == nil ? [] : [partials.sum(1)])
            }
        }
    }
}

extension Tensor {
    /// RMSNorm (centered = false) or LayerNorm over a middle axis: the input is viewed as [outer, dim, inner]
    /// and the strided column kernel normalises each column in place, so no transposed copy is made.
    fileprivate func normalizedAlong(axis: Int, weight: Tensor?, bias: Tensor?, centered: Bool, epsilon: Float,
                                     operation: String) -> Tensor {
        let axis = normalizedAxis(axis), dim = shape[axis]
        for parameter in [weight, bias].compactMap({ $0 }) {
            precondition(parameter.shape == [dim], "\(operation) parameter \(parameter.shape) does not match axis \(axis) of size \(dim)")
        }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let block = Int(VANS_NORM_COLUMN_BLOCK), tasks = dim == 0 ? 0 : outer * ((inner + block - 1) / block)
        let x = asFloat32.contiguous(), w = weight?.asFloat32.contiguous(), b = bias?.asFloat32.contiguous()
        let output = Tensor(shape: x.shape, zeroed: false)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let pw = w.map { SendablePointer($0.pointer(as: Float.self)) }, pb = b.map { SendablePointer($0.pointer(as: Float.self)) }
        let center: Int32 = centered ? 1 : 0
        Parallel.forEach(count: tasks, minimumChunk: Swift.max(1, 4096 / Swift.max(1, dim * block))) { range in
            vans_norm_columns_forward(px.base, pw?.base, pb?.base, py.base, Int64(dim), Int64(inner), center, epsilon,
                                      Int64(range.lowerBound), Int64(range.upperBound))
        }
        let inputs = [x] + [w, b].compactMap { $0 }
        return Autograd.record(output, operation: operation, inputs: inputs) { gradient in
            let g = gradient.contiguous()
            let inputGrad = Tensor(shape: x.shape, zeroed: false)
            let pg = SendablePointer(g.pointer(as: Float.self)), pgx = SendablePointer(inputGrad.pointer(as: Float.self))
            let partials = RowPartials(rows: tasks, width: dim, buffers: 2)
            partials.run { chunk, range in
                vans_norm_columns_backward(px.base, pw?.base, pg.base, pgx.base, w == nil ? nil : partials.pointer(chunk, 0),
                                           b == nil ? nil : partials.pointer(chunk, 1), Int64(dim), Int64(inner), center,
                                           epsilon, Int64(range.lowerBound), Int64(range.upperBound))
            }
            return withExtendedLifetime((x, w, b)) {
                [inputGrad] + (w == nil ? [] : [partials.sum(0)]) + (b == nil ? [] : [partials.sum(1)])
            }
        }
    }
}

/// Per-chunk accumulators for parameter gradients: rows are split into at most
/// `Parallel.threadCount` chunks, each adding into its own buffers, summed at the end in a fixed
/// order so results do not depend on scheduling.
struct RowPartials: @unchecked Sendable {
    let rows: Int, width: Int, chunks: Int
    let storage: Tensor

    init(rows: Int, width: Int, buffers: Int) {
        self.rows = rows
        self.width = width
        chunks = max(1, min(Parallel.threadCount, rows))
        storage = Tensor(shape: [buffers, chunks, max(width, 1)])
    }

    /// Pointer to buffer `index` of chunk `chunk`.
    func pointer(_ chunk: Int, _ index: Int) -> UnsafeMutablePointer<Float> {
        storage.pointer(as: Float.self) + (index * chunks + chunk) * max(width, 1)
    }

    /// Runs `body(chunk, rows)` for every chunk in parallel.
    func run(_ body: @Sendable (Int, Range<Int>) -> Void) {
        let (rows, chunks) = (self.rows, self.chunks)
        Parallel.forEach(count: chunks) { range in
            for chunk in range { body(chunk, (chunk * rows / chunks)..<((chunk + 1) * rows / chunks)) }
        }
    }

    /// Buffer `index` summed over chunks, shape [width].
    func sum(_ index: Int) -> Tensor {
        storage.sliced(axis: 0, start: index, end: index + 1).sum(axes: [0, 1]).reshaped([width])
    }
}
