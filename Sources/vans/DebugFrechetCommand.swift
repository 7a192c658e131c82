// `vans debug frechet`: the float64 Fréchet distance of two feature sets (cd-fvd's `frechet_distance(x1, x2)`,
// unbiased covariances, tf-gan's trace_sqrt_product) between tensors of a safetensors file.
import ArgumentParser
import Checkpoints
import Foundation
import VideoMetrics

struct DebugFrechetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frechet",
        abstract: "Fréchet distance of `features_a` [N₁, D] and `features_b` [N₂, D] → `distance` (float64 [1]).",
        discussion: "Features may be F64, F32, F16 or BF16; everything is computed in float64. Each set needs at least 2 rows."
    )

    @Option(name: .long, help: "A safetensors file holding `features_a` and `features_b`.")
    var inputs: String

    @Option(name: .long, help: "Where to write `distance` (F64, shape [1]).")
    var out: String

    @Flag(name: .long, help: "Divide covariances by N (StyleGAN-V / `cdfvd.compute_fvd`) instead of N − 1.")
    var biased = false

    /// A 2-D float tensor as float64 values, with its shape.
    static func features(_ file: SafetensorsFile, _ name: String) throws -> (values: [Double], shape: [Int]) {
        let info = try file.info(name)
        guard info.shape.count == 2 else { throw ValidationError("\(file.url.path): `\(name)` must be [N, D], got \(info.shape)") }
        if info.dtype == .float64 {
            let bytes = try file.rawBytes(of: name)
            let values = bytes.withUnsafeBytes { raw in (0..<info.elementCount).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
            return (values, info.shape)
        }
        let (values, shape) = try file.floats(name)
        return (values.map(Double.init), shape)
    }

    func run() async throws {
        let file = try SafetensorsFile(url: URL(fileURLWithPath: inputs))
        let a = try Self.features(file, "features_a"), b = try Self.features(file, "features_b")
        guard a.shape[1] == b.shape[1] else {
            throw ValidationError("\(inputs): feature widths differ: features_a \(a.shape), features_b \(b.shape)")
        }
        let distance = try FrechetDistance.distance(a.values, b.values, dimensions: a.shape[1], normalization: biased ? .biased : .unbiased)
        var bytes = Data()
        withUnsafeBytes(of: distance.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        try SafetensorsWriter.write(["distance": SafetensorsTensorData(dtype: .float64, shape: [1], bytes: bytes)], to: URL(fileURLWithPath: out))
        print("distance \(distance) (N \(a.shape[0]) and \(b.shape[0]), D \(a.shape[1])) → \(out)")
    }
}
