// The restricted torch.save reader against archives written by torch (scripts/fixtures/pytorch_archives.py):
// values equal the safetensors copies bit for bit, views share storage, and hostile files are refused.
import Foundation
import Tensor
import Testing
import TestSupport
@testable import Checkpoints

@Suite("PyTorch archive reader")
struct PyTorchArchiveTests {
    static let pairs = ["f32", "bf16", "f16", "integers", "f64", "views", "nested", "module", "parameters", "protocol4"]

    func archive(_ name: String) throws -> PyTorchArchive {
        try PyTorchArchive(url: fixtureURL("pytorch_archives/\(name).pth"))
    }

    func bytes(_ tensor: Tensor) -> Data {
        let contiguous = tensor.contiguous()
        return Data(bytes: contiguous.baseAddress, count: contiguous.elementCount * contiguous.dtype.byteCount)
    }

    // Every tensor torch.save wrote loads with the dtype, shape and bytes of its safetensors copy, mapped or copied.
    @Test(arguments: pairs)
    func matchesSafetensorsCopy(_ name: String) throws {
        let archive = try archive(name)
        let reference = try SafetensorsFile(url: fixtureURL("pytorch_archives/\(name).safetensors"))
        #expect(Set(archive.tensorNames) == Set(reference.tensorNames))
        for mapped in [false, true] {
            let tensors = try archive.allTensors(mapped: mapped)
            for key in reference.tensorNames {
                let expected = try reference.tensor(key)
                let found = try #require(tensors[key], "\(name): \(key) missing")
                #expect(found.dtype == expected.dtype && found.shape == expected.shape, "\(name): \(key)")
                #expect(bytes(found) == bytes(expected), "\(name): \(key) (mapped \(mapped))")
            }
        }
    }

    // Views keep torch's geometry over one shared storage: a transpose, a row slice with an offset, a broadcast.
    @Test func viewsShareStorage() throws {
        let archive = try archive("views")
        let tensors = try archive.allTensors(mapped: true)
        let base = try #require(tensors["base"]), transposed = try #require(tensors["transposed"])
        let rows = try #require(tensors["rows"]), expanded = try #require(tensors["expanded"])
        #expect(transposed.storage === base.storage && rows.storage === base.storage)
        #expect(transposed.strides == [1, 6] && rows.offset == 6 && expanded.strides == [1, 0])
        #expect(try archive.info("every_other").strides == [12, 2])
    }

    // A state_dict()'s `_metadata` (set through BUILD) is accepted and is not a tensor; scalars are listed apart.
    @Test func metadataAndScalars() throws {
        #expect(try archive("module").otherValues.isEmpty)
        let nested = try archive("nested")
        #expect(nested.otherValues == ["step": "42", "lr": "0.5", "name": "'tiny'", "nothing": "None"])
        #expect(nested.tensorNames == ["model.encoder.w", "model.head", "extras.0", "extras.1"])
        #expect(try archive("f32").formatVersion == "3")
    }

    // zip64 central-directory extra fields and end records (torch's writer past 4 GiB) read like the plain file.
    @Test func zip64() throws {
        let plain = try archive("f32").allTensors(), wide = try archive("zip64").allTensors()
        #expect(Set(plain.keys) == Set(wide.keys))
        for (key, tensor) in plain { #expect(bytes(tensor) == bytes(try #require(wide[key])), "\(key)") }
    }

    // Pickles that would run os.system or eval (protocol 2 spells builtins `__builtin__`) are refused at the GLOBAL, naming it; nothing runs.
    @Test(arguments: [("malicious_system", "posix.system"), ("malicious_eval", "__builtin__.eval")])
    func refusesCode(_ name: String, _ global: String) throws {
        #expect {
            _ = try archive(name)
        } throws: { error in
            guard case .forbiddenGlobal(_, _, let named) = error as? PyTorchArchiveError else { return false }
            return named == global && "\(error)".contains("refusing global '\(global)'")
        }
    }

    // Tensors of dtypes the engine lacks are refused as such; a numpy array is a forbidden global like any other.
    @Test func unsupportedContents() throws {
        #expect { _ = try archive("float8") } throws: { error in
            guard case .unsupportedStorage(_, let type) = error as? PyTorchArchiveError else { return false }
            return type.contains("_rebuild_tensor_v3")
        }
        #expect { _ = try archive("numpy") } throws: { error in
            guard case .forbiddenGlobal(_, _, let global) = error as? PyTorchArchiveError else { return false }
            return global.hasPrefix("numpy.")
        }
    }

    // The pre-1.6 format is named as such, with the conversion to run.
    @Test func legacyFormat() throws {
        #expect {
            _ = try archive("legacy")
        } throws: { error in
            guard case .legacyFormat = error as? PyTorchArchiveError else { return false }
            return "\(error)".contains("torch.save(torch.load(")
        }
    }

    // Hand-built pickles with impossible views, sizes or calls are refused with the matching error.
    @Test func craftedArchives() throws {
        #expect(try archive("crafted_good").tensor("t").scalars == [2, 3, 4])
        func refusal(_ name: String) -> PyTorchArchiveError? {
            do { _ = try archive(name).allTensors(); return nil } catch { return error as? PyTorchArchiveError }
        }
        func isInvalidTensor(_ error: PyTorchArchiveError?) -> Bool { if case .invalidTensor = error { true } else { false } }
        #expect(isInvalidTensor(refusal("crafted_view_past_end")))
        #expect(isInvalidTensor(refusal("crafted_negative_stride")))
        #expect(isInvalidTensor(refusal("crafted_huge_shape")))
        #expect(isInvalidTensor(refusal("crafted_rank_mismatch")))
        if case .invalidArchive(_, let reason) = refusal("crafted_count_mismatch") { #expect(reason.contains("storage '0'")) } else { Issue.record("count mismatch accepted") }
        if case .missingRecord(_, let record) = refusal("crafted_missing_record") { #expect(record == "archive/data/7") } else { Issue.record("missing record accepted") }
        if case .notAStateDict = refusal("crafted_not_a_dict") {} else { Issue.record("a list was accepted as a state dict") }
        if case .forbiddenCall(_, _, let callable, _) = refusal("crafted_ordered_dict_args") { #expect(callable == "collections.OrderedDict") } else { Issue.record("OrderedDict with items accepted") }
        if case .forbiddenCall(_, _, _, let reason) = refusal("crafted_hooks") { #expect(reason.contains("backward hooks")) } else { Issue.record("hooks accepted") }
        if case .notAStateDict(_, let reason) = refusal("crafted_cycle") { #expect(reason.contains("nesting deeper than 64")) } else { Issue.record("a self-containing list was accepted") }
        // 2^40 leaves would take hours to walk; the bound on visited values stops it in about a second (generous
        // limit: the machine may be busy).
        let started = Date()
        if case .notAStateDict(_, let reason) = refusal("crafted_doubling") { #expect(reason.contains("more than 1000000 values")) } else { Issue.record("2^40 shared leaves were accepted") }
        #expect(Date().timeIntervalSince(started) < 30, "shared sublists took too long to refuse")
        if case .notAStateDict(_, let reason) = refusal("crafted_long_names") { #expect(reason.contains("key names exceed")) } else { Issue.record("80 MB of key names were accepted") }
        if case .unsupportedStorage(_, let type) = refusal("crafted_complex") { #expect(type == "torch.ComplexFloatStorage") } else { Issue.record("complex accepted") }
    }

    // Every truncation of a valid archive is a typed error, never a trap or an out-of-bounds read.
    @Test func truncations() throws {
        let data = try Data(contentsOf: fixtureURL("pytorch_archives/module.pth"))
        let url = scratchURL()
        defer { try? FileManager.default.removeItem(at: url) }
        for length in 0..<data.count {
            try data.prefix(length).write(to: url)
            #expect(throws: PyTorchArchiveError.self, "length \(length)") { _ = try PyTorchArchive(url: url).allTensors() }
        }
    }

    // Flipping any single byte either still loads (tensor data, padding) or fails with a typed error; a flipped
    // pickle byte is caught by the CRC.
    @Test func corruptions() throws {
        let data = try Data(contentsOf: fixtureURL("pytorch_archives/views.pth"))
        let url = scratchURL()
        defer { try? FileManager.default.removeItem(at: url) }
        var loads = 0, refusals = 0
        for position in 0..<data.count {
            var corrupted = data
            corrupted[position] ^= 0x5A
            try corrupted.write(to: url)
            // The reader throws only PyTorchArchiveError (typed throws); reaching the end means no trap.
            do { _ = try PyTorchArchive(url: url).allTensors(mapped: true); loads += 1 } catch { refusals += 1 }
        }
        #expect(loads > 0 && refusals > 0 && loads + refusals == data.count)
        let pickleStart = 30 + "views/data.pkl".count + 64 // inside data.pkl, after its local header and padding
        var corrupted = data
        corrupted[pickleStart + 10] ^= 0x01
        try corrupted.write(to: url)
        #expect { _ = try PyTorchArchive(url: url) } throws: { "\($0)".contains("CRC mismatch") }
    }

    // A central directory pointing outside the file is refused, naming the entry.
    @Test func badOffsets() throws {
        var data = try Data(contentsOf: fixtureURL("pytorch_archives/f32.pth"))
        let signature = Data([0x50, 0x4B, 0x01, 0x02])
        let central = try #require(data.range(of: signature)).lowerBound
        data.replaceSubrange((central + 42)..<(central + 46), with: [0xF0, 0xFF, 0xFF, 0x7F])
        let url = scratchURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try data.write(to: url)
        #expect { _ = try PyTorchArchive(url: url) } throws: { error in
            guard case .invalidArchive(_, let reason) = error as? PyTorchArchiveError else { return false }
            return reason.contains("f32/data.pkl")
        }
    }

    // One call loads either format: a .pth archive and a safetensors file give the same tensors.
    @Test func checkpointFilesDispatch() throws {
        let fromArchive = try CheckpointFiles.allTensors(at: fixtureURL("pytorch_archives/bf16.pth"))
        let fromSafetensors = try CheckpointFiles.allTensors(at: fixtureURL("pytorch_archives/bf16.safetensors"))
        #expect(Set(fromArchive.keys) == Set(fromSafetensors.keys))
        for (key, tensor) in fromArchive { #expect(bytes(tensor) == bytes(try #require(fromSafetensors[key]))) }
        #expect(CheckpointFiles.isPyTorchArchive(try fixtureURL("pytorch_archives/bf16.pth")))
        #expect(!CheckpointFiles.isPyTorchArchive(try fixtureURL("pytorch_archives/bf16.safetensors")))
    }

    // A named pipe is refused without being opened (a blocking open would hang), and is not sniffed as an archive.
    @Test func namedPipe() throws {
        let pipe = try NamedPipeFixture(name: "model.pth")
        let (outcome, timedOut) = pipe.withWatchdog { () -> (PyTorchArchiveError?, Bool) in
            var error: PyTorchArchiveError?
            do { _ = try PyTorchArchive(url: pipe.url) } catch let caught as PyTorchArchiveError { error = caught } catch {}
            return (error, CheckpointFiles.isPyTorchArchive(pipe.url))
        }
        #expect(!timedOut)
        #expect(outcome.0 == .cannotOpen(file: pipe.path, reason: "not a regular file (named pipe)"))
        #expect(outcome.1 == false)
    }

    func scratchURL() -> URL {
        ScratchDirectory.root.appendingPathComponent("pth-\(UUID().uuidString).pth")
    }
}
