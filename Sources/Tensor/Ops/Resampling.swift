import CKernels

/// Interpolation for `resized3d` (align_corners = False, as PyTorch's default).
public enum ResamplingMode: Sendable {
    /// PyTorch's "nearest": src = floor(dst · scale).
    case nearest
    /// PyTorch's "nearest-exact" (Wan's VAE upsampler): src = floor((dst + 0.5) · scale).
    case nearestExact
    /// PyTorch's "trilinear".
    case trilinear
}

extension Tensor {
    /// Resizes [N, C, T, H, W] to `size` (F.interpolate). `scaleFactors`, when given, set the source
    /// step to 1/scale as PyTorch does when it is called with `scale_factor`; otherwise in/out.
    public func resized3d(to size: [Int], mode: ResamplingMode, scaleFactors: [Double]? = nil) -> Tensor {
        precondition(rank == 5 && size.count == 3 && size.allSatisfy { $0 > 0 }, "resized3d expects [N, C, T, H, W] and a positive 3-D size")
        let steps = (0..<3).map { axis in scaleFactors.map { 1 / $0[axis] } ?? Double(shape[2 + axis]) / Double(size[axis]) }
        var geometry = vans_volume_geometry()
        geometry.in = (Int64(shape[2]), Int64(shape[3]), Int64(shape[4]))
        geometry.out = (Int64(size[0]), Int64(size[1]), Int64(size[2]))
        let kernelMode = switch mode {
        case .nearest: VANS_RESAMPLE_NEAREST
        case .nearestExact: VANS_RESAMPLE_NEAREST_EXACT
        case .trilinear: VANS_RESAMPLE_LINEAR
        }
        let x = asFloat32.contiguous(), output = Tensor(shape: Array(shape[0..<2]) + size, zeroed: false), planes = shape[0] * shape[1]
        let g = UncheckedSendable(value: (geometry, steps))
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: planes) { range in
            var local = g.value.0
            vans_resample3d_forward(&local, g.value.1, kernelMode, px.base, py.base, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "resample3d", inputs: [x]) { gradient in
            let upstream = gradient.contiguous(), result = Tensor(shape: x.shape)
            let pg = SendablePointer(upstream.pointer(as: Float.self)), pr = SendablePointer(result.pointer(as: Float.self))
            Parallel.forEach(count: planes) { range in
                var local = g.value.0
                vans_resample3d_backward(&local, g.value.1, kernelMode, pg.base, pr.base, Int64(range.lowerBound), Int64(range.upperBound))
            }
            return [result]
        }
    }
}
