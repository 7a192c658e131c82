// One entry point for "a checkpoint path" whatever its format: safetensors (a file, a directory, a sharded
// index) or a `torch.save` archive, so model loaders accept the official `.pth` files and the hub's
// safetensors alike.
import Foundation
import Tensor

/// Loads every tensor of a checkpoint, choosing the reader from the file's contents.
public enum CheckpointFiles {
    /// Whether `url` is a `torch.save` zip archive rather than safetensors (by content, not extension).
    public static func isPyTorchArchive(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return false }
        return PyTorchArchive.isArchive(url)
    }

    /// Every tensor of the checkpoint at `url` (a safetensors file or directory, or a `.pth`/`.pt` archive).
    /// Throws `CheckpointError` or `PyTorchArchiveError`, each naming the file and what was wrong.
    public static func allTensors(at url: URL, mapped: Bool = false) throws -> [String: Tensor] {
        if isPyTorchArchive(url) { return try PyTorchArchive(url: url).allTensors(mapped: mapped) }
        return try SafetensorsCheckpoint(url: url).allTensors(mapped: mapped)
    }
}
