import CKernels

extension Tensor {
    /// RMSNorm over the last axis (Qwen2RMSNorm / T5LayerNorm): x · rsqrt(mean(x²) + ε) · weight,
    /// computed in float32.
    public func rmsNorm(weight: Tensor?, epsilon: Float) -> Tensor {
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

    /// LayerNorm over the last axis (F.layer_norm): (x − mean) · rsqrt(var + ε) · weight + bias.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
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

    /// GroupNorm (F.group_norm) of [N, C, ...] with `groups` groups and per-channel weight/bias.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        precondition(rank >= 2 && groups > 0 && shape[1] % groups == 0, "groupNorm: \(shape[1]) channels are not divisible into \(groups) groups")
        let channels = shape[1], spatial = shape[2...].reduce(1, *), tasks = shape[0] * groups
        for parameter in [weight, bias].compactMap({ $0 }) {
            precondition(parameter.shape == [channels], "groupNorm parameter \(parameter.shape) does not match \(channels) channels")
        }
        let x = asFloat32.contiguous(), w = weight?.asFloat32.contiguous(), b = bias?.asFloat32.contiguous()
        let output = Tensor(shape: x.shape, zeroed: false)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let pw = w.map { SendablePointer($0.pointer(as: Float.self)) }, pb = b.map { SendablePointer($0.pointer(as: Float.self)) }
        Parallel.forEach(count: tasks) { range in
            vans_group_norm_forward(px.base, pw?.base, pb?.base, py.base, Int64(channels), Int64(spatial), Int64(groups), epsilon,
                                    Int64(range.lowerBound), Int64(range.upperBound))
        }
        let inputs = [x] + [w, b].compactMap { $0 }
        return Autograd.record(output, operation: "group_norm", inputs: inputs) { gradient in
            let g = gradient.contiguous()
            let inputGrad = Tensor(shape: x.shape, zeroed: false)
            let pg = SendablePointer(g.pointer(as: Float.self)), pgx = SendablePointer(inputGrad.pointer(as: Float.self))
            let partials = RowPartials(rows: tasks, width: channels, buffers: 2)
            partials.run { chunk, range in
                vans_group_norm_backward(px.base, pw?.base, pg.base, pgx.base, w == nil ? nil : partials.pointer(chunk, 0),
                                         b == nil ? nil : partials.pointer(chunk, 1), Int64(channels), Int64(spatial), Int64(groups),
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
