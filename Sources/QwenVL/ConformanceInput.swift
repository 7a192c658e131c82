// Reads the conformance inputs of `vans debug qwen` (the tensors transformers' Qwen2_5_VLProcessor
// returns: input_ids, pixel_values(_videos), image/video_grid_thw, second_per_grid_ts) from a
// safetensors file, checking each tensor's dtype and shape and naming it on failure.
import Checkpoints
import Foundation
import Tensor

extension QwenVLInput {
    /// The model input stored in `file`: `input_ids` int32/int64 [1, L]; optionally `pixel_values_videos`
    /// float [N, P] with `video_grid_thw` int [V, 3] (and `second_per_grid_ts` float [V]), and
    /// `pixel_values` float [N, P] with `image_grid_thw` int [I, 3].
    public init(conformanceFile file: SafetensorsFile) throws {
        func require(_ name: String) throws -> Tensor {
            guard file.tensors[name] != nil else { throw QwenVLError.invalidModelInput(tensor: name, reason: "missing from \(file.url.path)") }
            return try file.tensor(name)
        }
        func optional(_ name: String) throws -> Tensor? { file.tensors[name] == nil ? nil : try file.tensor(name) }
        func integers(_ tensor: Tensor, _ name: String) throws -> [Int] {
            guard tensor.dtype == .int64 || tensor.dtype == .int32 else {
                throw QwenVLError.invalidModelInput(tensor: name, reason: "dtype \(tensor.dtype) is not int32 or int64")
            }
            return tensor.int64Scalars.map { Int($0) }
        }
        let ids = try require("input_ids")
        let tokens = try integers(ids, "input_ids")
        guard ids.rank == 2, ids.shape[0] == 1, ids.shape[1] > 0 else {
            throw QwenVLError.invalidModelInput(tensor: "input_ids", reason: "expected shape [1, L], got \(ids.shape)")
        }
        func visual(pixelsName: String, gridName: String) throws -> QwenVLVisualInput? {
            let pixels = try optional(pixelsName), grid = try optional(gridName)
            guard pixels != nil || grid != nil else { return nil }
            guard let pixels else { throw QwenVLError.invalidModelInput(tensor: pixelsName, reason: "missing while \(gridName) is present") }
            guard let grid else { throw QwenVLError.invalidModelInput(tensor: gridName, reason: "missing while \(pixelsName) is present") }
            guard pixels.dtype.isFloatingPoint, pixels.rank == 2 else {
                throw QwenVLError.invalidModelInput(tensor: pixelsName, reason: "expected float [N, P], got \(pixels.dtype) \(pixels.shape)")
            }
            guard grid.rank == 2, grid.shape[1] == 3 else {
                throw QwenVLError.invalidModelInput(tensor: gridName, reason: "expected shape [count, 3], got \(grid.shape)")
            }
            let values = try integers(grid, gridName)
            return QwenVLVisualInput(pixels: pixels, grids: stride(from: 0, to: values.count, by: 3).map { Array(values[$0..<($0 + 3)]) })
        }
        let images = try visual(pixelsName: "pixel_values", gridName: "image_grid_thw")
        let videos = try visual(pixelsName: "pixel_values_videos", gridName: "video_grid_thw")
        var seconds: [Float]?
        if let stored = try optional("second_per_grid_ts") {
            guard stored.dtype.isFloatingPoint, stored.rank == 1, stored.shape[0] == (videos?.grids.count ?? 0) else {
                throw QwenVLError.invalidModelInput(tensor: "second_per_grid_ts",
                                                    reason: "expected float [\(videos?.grids.count ?? 0)], got \(stored.dtype) \(stored.shape)")
            }
            seconds = stored.scalars
        }
        self.init(tokens: [tokens], images: images, videos: videos, secondsPerGrid: seconds)
    }
}
