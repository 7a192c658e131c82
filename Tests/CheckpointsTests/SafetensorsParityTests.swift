// Replays the accept/refuse table that scripts/fixtures/safetensors_parity.py generated with the reference
// `safetensors` package: every crafted file must be accepted or refused as the reference does (and read
// the same tensors and metadata when accepted), except the cases below where we are deliberately stricter
// (listed in the README's "File formats: what we accept"). Accepted files then go through the engine
// bridge, which must build a tensor exactly where PyTorch can.
import Foundation
import Support
import Tensor
import Testing
@testable import Checkpoints

@Suite("Safetensors parity with the reference reader")
struct SafetensorsParityTests {
    /// Files the reference reads and we refuse, and why.
    static let stricterThanReference: [String: String] = [
        "tensor_repeated_same": "a tensor name written twice (reference: the last entry wins)",
        "tensor_repeated_different": "a tensor name written twice (reference: the last entry wins)",
        "metadata_key_repeated": "a __metadata__ key written twice (reference: the last value wins)",
        "zero_int64_max_plus_1": "a dimension above Int.max (2^63 - 1)",
        "zero_uint64_max": "a dimension above Int.max (2^63 - 1)",
        "dtype_u16": "a dtype the engine has no type for",
        "dtype_u32": "a dtype the engine has no type for",
        "dtype_f8_e4m3": "a dtype the engine has no type for",
        "dtype_f4": "a dtype the engine has no type for",
    ]

    /// Files whose tensors PyTorch builds and the engine refuses, and why.
    static let engineStricterThanTorch: [String: String] = [
        "zero_2pow61_f32": "a zero-element shape whose row of 2^61 float32 elements spans 2^63 bytes: byte offsets would overflow",
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var description: String
        var referenceAccepts: Bool
        var tensors: [(name: String, dtype: String, shape: [UInt64])]
        var metadata: [String: String]
        var torchLoads: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard let url = Bundle.module.url(forResource: "Fixtures/safetensors_parity/parity.json", withExtension: nil),
              let data = try? Data(contentsOf: url), let table = try? StrictJSON.parse(data),
              let rows = table["cases"]?.arrayValue else { return [] }
        return rows.map { row in
            let tensors = (row["tensors"]?.arrayValue ?? []).map { tensor in
                (name: tensor["name"]?.stringValue ?? "", dtype: tensor["dtype"]?.stringValue ?? "",
                 shape: (tensor["shape"]?.arrayValue ?? []).map { $0.serdeInteger(UInt64.self) ?? .max })
            }
            var metadata: [String: String] = [:]
            for member in row["metadata"]?.members ?? [] { metadata[member.key] = member.value.stringValue }
            return Case(name: row["case"]?.stringValue ?? "", description: row["description"]?.stringValue ?? "",
                        referenceAccepts: row["reference"]?.stringValue == "accept", tensors: tensors, metadata: metadata,
                        torchLoads: row["torch_loads"]?.boolValue ?? false)
        }
    }()

    @Test func tableIsPresent() {
        #expect(Self.cases.count >= 90)
        let names = Set(Self.cases.map(\.name))
        for deviation in Self.stricterThanReference.keys.sorted() + Self.engineStricterThanTorch.keys.sorted() {
            #expect(names.contains(deviation), "deviation '\(deviation)' names no case of the table")
        }
    }

    @Test(arguments: cases)
    func matchesReference(_ row: Case) throws {
        let url = try fixtureURL("safetensors_parity/\(row.name).safetensors")
        let started = Date()
        let opened = Result { () throws(CheckpointError) in try SafetensorsFile(url: url) }
        #expect(Date().timeIntervalSince(started) < 1)
        let expectAccept = row.referenceAccepts && Self.stricterThanReference[row.name] == nil
        switch opened {
        case .failure(let error):
            #expect(!expectAccept, "\(row.name) (\(row.description)): refused but the reference accepts it: \(error)")
            #expect("\(error)".hasPrefix(url.path), "the error names the file")
        case .success(let file):
            #expect(expectAccept, "\(row.name) (\(row.description)): accepted but the reference refuses it")
            guard expectAccept else { return }
            #expect(file.metadata == row.metadata)
            #expect(file.tensorNames.sorted() == row.tensors.map(\.name))
            for tensor in row.tensors {
                let info = try file.info(tensor.name)
                #expect(info.dtype.rawValue == tensor.dtype && info.shape.map { UInt64($0) } == tensor.shape, "\(tensor.name)")
                let expectLoad = row.torchLoads && Self.engineStricterThanTorch[row.name] == nil
                do {
                    let loaded = try file.tensor(tensor.name)
                    #expect(expectLoad, "\(row.name): the engine built \(tensor.name) but PyTorch cannot")
                    #expect(loaded.shape == info.shape)
                } catch {
                    #expect(!expectLoad, "\(row.name): PyTorch builds \(tensor.name) but the engine refused: \(error)")
                }
            }
        }
    }
}
