// Mirrors transformers' sharded loading (`modeling_utils.load_sharded_checkpoint`): a
// `model.safetensors.index.json` whose `weight_map` names the shard holding each tensor.
import Foundation
import Support

/// A checkpoint made of one or more safetensors files, addressed by tensor name.
///
/// Open a single `.safetensors` file, or a directory holding `model.safetensors.index.json`
/// (sharded) or plain `*.safetensors` files (whose tensor names must then be disjoint).
public final class SafetensorsCheckpoint: Sendable {
    /// The index file name Hugging Face uses for sharded checkpoints.
    public static let indexFileName = "model.safetensors.index.json"

    /// The opened files, in path order.
    public let files: [SafetensorsFile]
    private let fileByTensor: [String: Int]

    /// Every tensor name, sorted.
    public var tensorNames: [String] { fileByTensor.keys.sorted() }

    /// Opens `url` (a file or a directory); every shard is validated up front.
    public init(url: URL) throws(CheckpointError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .cannotOpen(file: url.path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            let file = try SafetensorsFile(url: url)
            files = [file]
            fileByTensor = Dictionary(uniqueKeysWithValues: file.tensorNames.map { ($0, 0) })
            return
        }
        let index = url.appendingPathComponent(Self.indexFileName)
        if FileManager.default.fileExists(atPath: index.path) {
            (files, fileByTensor) = try Self.openIndexed(index: index, directory: url)
        } else {
            (files, fileByTensor) = try Self.openAll(directory: url)
        }
    }

    /// The file holding `name`.
    public func file(containing name: String) throws(CheckpointError) -> SafetensorsFile {
        guard let position = fileByTensor[name] else {
            throw .tensorNotFound(file: files.map(\.url.path).joined(separator: ", "), tensor: name)
        }
        return files[position]
    }

    /// The description of tensor `name`.
    public func info(_ name: String) throws(CheckpointError) -> SafetensorsTensorInfo {
        try file(containing: name).info(name)
    }

    /// A floating-point tensor as `[Float]` with its shape.
    public func floats(_ name: String) throws(CheckpointError) -> (values: [Float], shape: [Int]) {
        try file(containing: name).floats(name)
    }

    /// An integer or boolean tensor as `[Int]` with its shape.
    public func integers(_ name: String) throws(CheckpointError) -> (values: [Int], shape: [Int]) {
        try file(containing: name).integers(name)
    }

    private static func openIndexed(index: URL, directory: URL) throws(CheckpointError) -> ([SafetensorsFile], [String: Int]) {
        let path = index.path
        let data: Data
        do { data = try UserFile.read(path) } catch { throw .cannotOpen(file: path, reason: error.reason) }
        let document: StrictJSON
        do { document = try StrictJSON.parse(data) } catch { throw .invalidIndex(file: path, reason: "not valid JSON (\(error))") }
        guard document.members != nil, let weightMap = document["weight_map"], let entries = weightMap.members else {
            throw .invalidIndex(file: path, reason: "missing object 'weight_map'")
        }
        // Python's json keeps the last of two equal keys; a tensor mapped twice is refused rather than guessed.
        if let repeated = document.firstRepeatedKeyPath {
            throw .invalidIndex(file: path, reason: "the key '\(repeated)' appears more than once")
        }
        var shardNames: [String] = []
        var shardByTensor: [String: String] = [:]
        for entry in entries {
            let tensor = entry.key
            guard let shard = entry.value.stringValue else {
                throw .invalidIndex(file: path, reason: "weight_map entry '\(tensor)' is not a file name")
            }
            // Shards must be plain names inside the checkpoint directory.
            guard !shard.contains("/"), shard != "..", !shard.isEmpty else {
                throw .invalidIndex(file: path, reason: "weight_map entry '\(tensor)' names '\(shard)', not a file in the directory")
            }
            shardByTensor[tensor] = shard
            if !shardNames.contains(shard) { shardNames.append(shard) }
        }
        shardNames.sort()
        var files: [SafetensorsFile] = []
        for shard in shardNames { files.append(try SafetensorsFile(url: directory.appendingPathComponent(shard))) }
        var fileByTensor: [String: Int] = [:]
        for (tensor, shard) in shardByTensor {
            let position = shardNames.firstIndex(of: shard)!
            guard files[position].tensors[tensor] != nil else {
                throw .missingShard(file: path, tensor: tensor, shard: shard)
            }
            fileByTensor[tensor] = position
        }
        for (position, file) in files.enumerated() {
            for tensor in file.tensorNames where fileByTensor[tensor] != position {
                throw .invalidIndex(file: path, reason: "tensor '\(tensor)' in \(file.url.lastPathComponent) is not mapped to that shard in weight_map")
            }
        }
        return (files, fileByTensor)
    }

    private static func openAll(directory: URL) throws(CheckpointError) -> ([SafetensorsFile], [String: Int]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw .cannotOpen(file: directory.path, reason: "\(error.localizedDescription)")
        }
        let shards = names.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted()
        guard !shards.isEmpty else { throw .cannotOpen(file: directory.path, reason: "no .safetensors files and no \(indexFileName)") }
        var files: [SafetensorsFile] = []
        var fileByTensor: [String: Int] = [:]
        for shard in shards {
            let file = try SafetensorsFile(url: directory.appendingPathComponent(shard))
            for tensor in file.tensorNames {
                if let previous = fileByTensor[tensor] {
                    throw .duplicateTensor(tensor: tensor, files: [files[previous].url.path, file.url.path])
                }
                fileByTensor[tensor] = files.count
            }
            files.append(file)
        }
        return (files, fileByTensor)
    }
}
