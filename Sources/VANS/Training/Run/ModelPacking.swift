// Shipping trained VANS-Synth models small: a model directory copied with every float32 tensor of its safetensors
// files stored as bfloat16 (the dtype the real checkpoints ship in; our loaders read it as stored). Configs,
// tokenizers, model cards and profiles are copied unchanged, so the packed directory loads with the same code.
import Checkpoints
import Foundation
import Tensor

/// Copies model directories with their weights narrowed.
public enum ModelPacking {
    /// Copies `source` to `destination` (replaced when it exists), converting float32 safetensors to `dtype`;
    /// other files are copied as they are. Returns the bytes written.
    @discardableResult
    public static func copy(_ source: URL, to destination: URL, weightsAs dtype: DType = .bfloat16) throws -> Int {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: source.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError.runDirectory(path: source.path, reason: "is not a model directory")
        }
        let staging = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        try? manager.removeItem(at: staging)
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        var written = 0
        guard let walker = manager.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey]) else {
            throw TrainingError.runDirectory(path: source.path, reason: "cannot be listed")
        }
        let base = source.standardizedFileURL.path
        for case let file as URL in walker {
            let relative = String(file.standardizedFileURL.path.dropFirst(base.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let target = staging.appendingPathComponent(relative)
            if (try? file.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true {
                try manager.createDirectory(at: target, withIntermediateDirectories: true)
                continue
            }
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if file.pathExtension == "safetensors" {
                let checkpoint = try SafetensorsFile(url: file)
                let tensors = try checkpoint.allTensors().mapValues { $0.dtype == .float32 ? $0.converted(to: dtype) : $0 }
                try SafetensorsWriter.write(tensors: tensors, metadata: checkpoint.metadata, to: target)
            } else {
                try manager.copyItem(at: file, to: target)
            }
            written += (try? manager.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        }
        try? manager.removeItem(at: destination)
        try manager.moveItem(at: staging, to: destination)
        return written
    }
}
