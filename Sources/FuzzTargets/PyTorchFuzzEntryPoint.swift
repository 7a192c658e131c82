// The fuzz entry point of the restricted torch.save reader (Checkpoints/PyTorch): zip directory, pickle subset,
// storage validation and the engine bridge, mapped and copied.
import Checkpoints
import Foundation

extension FuzzEntryPoints {
    static func pytorchArchive(_ input: Data) {
        ScratchFiles.shared.withFile(input, named: "model.pth") { url in
            guard let archive = try? PyTorchArchive(url: url) else { return }
            for name in archive.tensorNames {
                guard let info = try? archive.info(name) else { continue }
                _ = info.elementCount
                if let tensor = try? archive.tensor(name, mapped: true) { _ = tensor.contiguous().elementCount }
            }
            if let tensors = try? archive.allTensors() { _ = tensors.values.map { $0.contiguous().elementCount } }
        }
    }
}
