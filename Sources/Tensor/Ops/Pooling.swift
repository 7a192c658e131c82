import CKernels

extension Tensor {
    /// Planes, geometry and output shape for a 3-D window op over [N, C, T, H, W].
    fileprivate func volumeGeometry(kernel: [Int], stride: [Int], padding: [Int], operation: String) -> (vans_volume_geometry, [Int]) {
        precondition(rank == 5 && kernel.count == 3 && stride.count == 3 && padding.count == 3, "\(operation) expects [N, C, T, H, W] and three-element parameters")
        var out = [Int]()
        for axis in 0..<3 {
            precondition(kernel[axis] > 0 && stride[axis] > 0 && padding[axis] >= 0 && padding[axis] * 2 <= kernel[axis],
                         "\(operation): padding must be at most half the kernel on axis \(axis)")
            out.append((shape[2 + axis] + 2 * padding[axis] - kernel[axis]) / stride[axis] + 1)
        }
        var g = vans_volume_geometry()
        g.in = (Int64(shape[2]), Int64(shape[3]), Int64(shape[4]))
        g.out = (Int64(out[0]), Int64(out[1]), Int64(out[2]))
        g.kernel = (Int64(kernel[0]), Int64(kernel[1]), Int64(kernel[2]))
        g.stride = (Int64(stride[0]), Int64(stride[1]), Int64(stride[2]))
        g.padding = (Int64(padding[0]), Int64(padding[1]), Int64(padding[2]))
        return (g, Array(shape[0..<2]) + out)
    }

    /// Average pooling (F.avg_pool3d, padding counted in the divisor) of [N, C, T, H, W].
    public func averagePool3d(kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0, 0, 0]) -> Tensor {
        let (geometry, outShape) = volumeGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding, operation: "averagePool3d")
        let x = asFloat32.contiguous(), output = Tensor(shape: outShape, zeroed: false), planes = shape[0] * shape[1]
        let g = UncheckedSendable(value: geometry)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: planes) { range in
            var local = g.value
            vans_avg_pool3d_forward(&local, px.base, py.base, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "avg_pool3d", inputs: [x]) { gradient in
            let upstream = gradient.contiguous(), result = Tensor(shape: x.shape)
            let pg = SendablePointer(upstream.pointer(as: Float.self)), pr = SendablePointer(result.pointer(as: Float.self))
            Parallel.forEach(count: planes) { range in
                var local = g.value
                vans_avg_pool3d_backward(&local, pg.base, pr.base, Int64(range.lowerBound), Int64(range.upperBound))
            }
            return [result]
        }
    }

    /// Max pooling (F.max_pool3d) of [N, C, T, H, W]; the gradient flows to each window's first maximum.
    public func maxPool3d(kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0, 0, 0]) -> Tensor {
        let (geometry, outShape) = volumeGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding, operation: "maxPool3d")
        let x = asFloat32.contiguous(), output = Tensor(shape: outShape, zeroed: false), planes = shape[0] * shape[1]
        let indices = Tensor(shape: outShape, dtype: .int64, zeroed: false)
        let g = UncheckedSendable(value: geometry)
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let pi = SendablePointer(indices.pointer(as: Int64.self))
        Parallel.forEach(count: planes) { range in
            var local = g.value
            vans_max_pool3d_forward(&local, px.base, py.base, pi.base, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "max_pool3d", inputs: [x]) { gradient in
            let upstream = gradient.contiguous(), result = Tensor(shape: x.shape)
            let pg = SendablePointer(upstream.pointer(as: Float.self)), pr = SendablePointer(result.pointer(as: Float.self))
            Parallel.forEach(count: planes) { range in
                var local = g.value
                vans_max_pool3d_backward(&local, pg.base, pi.base, pr.base, Int64(range.lowerBound), Int64(range.upperBound))
            }
            return withExtendedLifetime(indices) { [result] }
        }
    }
}
