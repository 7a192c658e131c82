// Shared helpers of the DiT and sampling parity tests: fixture paths, safetensors reading, the error measure.
import Checkpoints
import Foundation
import Tensor
import Testing

enum WanFixtures {
    /// The fixture directory or file at `path` under Fixtures/.
    static func url(_ path: String) throws -> URL {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let url = base.appendingPathComponent(path)
        try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(path)")
        return url
    }

    /// Every tensor of a fixture safetensors file.
    static func tensors(_ path: String) throws -> [String: Tensor] {
        try SafetensorsCheckpoint(url: url(path)).allTensors()
    }

    /// max |a − b| ÷ max |b| (the relative measure).
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let a = actual.converted(to: .float32).contiguous().scalars, b = expected.converted(to: .float32).contiguous().scalars
        precondition(a.count == b.count, "compared tensors differ in size")
        let scale = b.map(abs).max() ?? 0
        let error = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return scale == 0 ? error : error / scale
    }
}
