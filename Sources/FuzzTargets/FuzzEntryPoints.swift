// What the libFuzzer executable (Fuzz/VANSFuzz, built by `make fuzz`) runs on each input, kept in an ordinary
// library so `make test` replays the committed corpus and every crasher through exactly the same code.
// An entry point may throw any error for bad input (that is the point); it must never trap, hang or read
// out of bounds. Readers that take a path get the input through a scratch file.
import Checkpoints
import Data
import Foundation
import QwenVL
import Support
import Tensor
import Tokenizers
import Wan

/// One fuzz entry point per input format.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The safetensors JSON header parser and validator: 2 bytes of data-section size (little endian), then the header.
    case safetensorsHeader = "safetensors-header"
    /// A whole .safetensors file through SafetensorsFile, every tensor read out and bridged to the engine.
    case safetensorsReader = "safetensors-reader"
    /// model.safetensors.index.json beside two valid shards (tensors a, b and c).
    case shardedIndex = "sharded-index"
    /// config.json decoded as every model configuration (CLIP, Qwen2.5-VL, Wan transformer and VAE, umT5).
    case configJSON = "config-json"
    /// manifest.jsonl bytes through the manifest line parser.
    case manifest
    /// tokenizer.json, then a NUL byte and text to encode (a default text when there is no NUL).
    case tokenizer
    /// A whole torch.save archive (.pth) through PyTorchArchive, every tensor bridged to the engine.
    case pytorchArchive = "pytorch-archive"

    /// Runs the entry point on `input`, discarding errors.
    public func run(_ input: Data) {
        switch self {
        case .safetensorsHeader: FuzzEntryPoints.safetensorsHeader(input)
        case .safetensorsReader: FuzzEntryPoints.safetensorsReader(input)
        case .shardedIndex: FuzzEntryPoints.shardedIndex(input)
        case .configJSON: FuzzEntryPoints.configJSON(input)
        case .manifest: _ = Manifest.parse(input)
        case .tokenizer: FuzzEntryPoints.tokenizer(input)
        case .pytorchArchive: FuzzEntryPoints.pytorchArchive(input)
        }
    }
}

enum FuzzEntryPoints {
    static func safetensorsHeader(_ input: Data) {
        guard input.count >= 2 else { return }
        let dataSize = Int(input[input.startIndex]) | Int(input[input.startIndex + 1]) << 8
        guard let header = try? SafetensorsHeader.parse(Data(input.dropFirst(2)), file: "fuzz", dataSize: dataSize) else { return }
        for info in header.tensors.values {
            _ = info.elementCount
            _ = try? TensorLayout(shape: info.shape, elementSize: info.dtype.engineDType.byteCount)
        }
    }

    static func safetensorsReader(_ input: Data) {
        ScratchFiles.shared.withFile(input, named: "model.safetensors") { url in
            guard let file = try? SafetensorsFile(url: url) else { return }
            readEverything(file)
        }
    }

    static func shardedIndex(_ input: Data) {
        ScratchFiles.shared.withShardedCheckpoint(index: input) { directory in
            guard let checkpoint = try? SafetensorsCheckpoint(url: directory) else { return }
            for name in checkpoint.tensorNames { _ = try? checkpoint.tensor(name) }
        }
    }

    static func configJSON(_ input: Data) {
        _ = try? CLIPConfiguration.decode(from: input, file: "fuzz")
        _ = try? QwenVLConfiguration.decode(from: input, file: "fuzz")
        _ = try? WanTransformerConfiguration.decode(from: input, file: "fuzz")
        _ = try? WanVAEConfiguration.decode(from: input, file: "fuzz")
        _ = try? UMT5Configuration.decode(from: input, file: "fuzz")
    }

    static func tokenizer(_ input: Data) {
        let split = input.firstIndex(of: 0)
        let json = split.map { input[..<$0] } ?? input[...]
        let text = split.map { String(decoding: input[($0 + 1)...], as: UTF8.self) } ?? "Hello, world! héllo 123 <|endoftext|>  \t\n"
        guard let tokenizer = ScratchFiles.shared.withFile(Data(json), named: "tokenizer.json", { try? Tokenizer(file: $0) })
        else { return }
        if let ids = try? tokenizer.encode(text) { _ = tokenizer.decode(ids) }
        _ = try? tokenizer.encode(text, addSpecialTokens: false, maxLength: 8)
    }

    /// Every accessor of a successfully opened file, as a model loader would use them.
    static func readEverything(_ file: SafetensorsFile) {
        for name in file.tensorNames {
            guard let info = try? file.info(name) else { continue }
            _ = try? file.rawBytes(of: name)
            _ = info.dtype.isFloatingPoint ? try? file.floats(name).values.count : try? file.integers(name).values.count
            if let tensor = try? file.tensor(name) { _ = tensor.contiguous().elementCount }
            _ = try? file.mappedTensor(name)
        }
    }
}

/// Files the path-taking readers open: a folder of their own for each input, removed when its entry point is done.
/// Concurrent test replays must not share one: rewriting a file in place truncates it under a reader that has it
/// memory-mapped, whose next read of the mapping is a SIGBUS (an intermittent crash of the whole test run).
final class ScratchFiles: @unchecked Sendable {
    static let shared = ScratchFiles()
    private let directory: URL
    private let lock = NSLock()
    private var inputsSeen = 0

    private init() {
        // Memory-backed /dev/shm when there is one: writing a file on a disk file system costs milliseconds.
        let memory = URL(fileURLWithPath: "/dev/shm")
        let base = FileManager.default.isWritableFile(atPath: memory.path) ? memory : FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("vans-fuzz-\(getpid())-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ScratchFiles.shared.directory) }
    }

    /// Runs `body` on a new folder of this process's scratch directory, then removes the folder.
    private func withFolder<Result>(_ body: (URL) -> Result) -> Result {
        let folder: URL = lock.withLock {
            inputsSeen += 1
            return directory.appendingPathComponent(String(inputsSeen))
        }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return body(folder)
    }

    /// Runs `body` on `data` written as `name` in a folder of its own.
    func withFile<Result>(_ data: Data, named name: String, _ body: (URL) -> Result) -> Result {
        withFolder { folder in
            let url = folder.appendingPathComponent(name)
            try? data.write(to: url)
            return body(url)
        }
    }

    /// Runs `body` on a folder with two small valid shards and `index` as its model.safetensors.index.json.
    func withShardedCheckpoint<Result>(index: Data, _ body: (URL) -> Result) -> Result {
        withFolder { checkpoint in
            let f32 = { (count: Int) in SafetensorsTensorData(dtype: .float32, shape: [count], bytes: Data(count: 4 * count)) }
            try? SafetensorsWriter.write(["a": f32(2), "b": f32(3)], to: checkpoint.appendingPathComponent("model-00001-of-00002.safetensors"))
            try? SafetensorsWriter.write(["c": f32(1)], to: checkpoint.appendingPathComponent("model-00002-of-00002.safetensors"))
            try? index.write(to: checkpoint.appendingPathComponent(SafetensorsCheckpoint.indexFileName))
            return body(checkpoint)
        }
    }
}
