import Checkpoints
import Foundation
import Tensor
import Testing
@testable import CLIP

/// The fixture directories written by scripts/fixtures/clip_model.py.
enum CLIPFixtures {
    static func directory(_ name: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Fixtures/clip_model", withExtension: nil))
        return root.appendingPathComponent(name)
    }

    static func tensors(_ file: URL) throws -> [String: Tensor] {
        try SafetensorsFile(url: file).allTensors()
    }

    /// Largest |a − b| relative to the largest |b|.
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let a = actual.contiguous().scalars, b = expected.contiguous().scalars
        let scale = b.map(abs).max() ?? 1
        return zip(a, b).map { abs($0 - $1) }.max()! / max(scale, 1e-12)
    }

    static func rows(_ tensor: Tensor) -> [[Int]] {
        let values = tensor.converted(to: .int64).int64Scalars.map(Int.init)
        let width = tensor.shape[1]
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0 ..< $0 + width]) }
    }
}

@Suite struct CLIPModelTests {
    // Image and text embeddings equal transformers' get_image_features / get_text_features within 1e-5 relative,
    // for quick_gelu and gelu, odd widths, several image/patch sizes, argmax and eos-id pooling, sharded weights.
    @Test(arguments: ["quick_argmax", "gelu_eos_id", "mixed"])
    func embeddingsMatchTransformers(_ name: String) throws {
        let directory = try CLIPFixtures.directory(name)
        let model = try CLIPModel.load(directory: directory)
        let io = try CLIPFixtures.tensors(try CLIPFixtures.directory("io/\(name).safetensors"))
        let image = try model.imageFeatures(pixelValues: try #require(io["pixel_values"]))
        let expectedImage = try #require(io["image_embeds"])
        #expect(image.shape == expectedImage.shape)
        #expect(CLIPFixtures.relativeError(image, expectedImage) < 1e-5)

        let ids = CLIPFixtures.rows(try #require(io["input_ids"]))
        let mask = CLIPFixtures.rows(try #require(io["attention_mask"]))
        let text = try model.textFeatures(ids: ids, attentionMask: mask)
        #expect(CLIPFixtures.relativeError(text, try #require(io["text_embeds"])) < 1e-5)
        let unmasked = try model.textFeatures(ids: ids)
        #expect(CLIPFixtures.relativeError(unmasked, try #require(io["text_embeds_unmasked"])) < 1e-5)
    }

    // transformers' pooling rule: argmax of the ids when eos_token_id == 2, else the first eos (0 if none).
    @Test func poolingPositionsFollowTransformers() {
        let ids = [[5, 9, 3, 9, 0], [5, 7, 2, 2, 2], [1, 1, 1, 1, 1]]
        #expect(CLIPTextTransformer.poolingPositions(ids, endTokenID: 2) == [1, 1, 0])
        #expect(CLIPTextTransformer.poolingPositions(ids, endTokenID: 7) == [0, 1, 0])
        #expect(CLIPTextTransformer.poolingPositions(ids, endTokenID: 9) == [1, 0, 0])
    }

    // Wrong pixel shapes, out-of-vocabulary ids and ragged masks are typed errors, not traps.
    @Test func badInputsAreErrors() throws {
        let model = try CLIPModel.load(directory: try CLIPFixtures.directory("quick_argmax"))
        #expect(throws: CLIPError.self) { try model.imageFeatures(pixelValues: Tensor.zeros([1, 3, 31, 32])) }
        #expect(throws: CLIPError.self) { try model.textFeatures(ids: [[1, 200]]) }
        #expect(throws: CLIPError.self) { try model.textFeatures(ids: [[1, 2], [3]]) }
        #expect(throws: CLIPError.self) { try model.textFeatures(ids: [[1, 2]], attentionMask: [[1]]) }
        #expect(throws: CLIPError.self) { try model.textFeatures(ids: [Array(repeating: 1, count: 17)]) }
    }

    // Unused, missing and mis-shaped checkpoint keys are errors naming the key.
    @Test func checkpointKeyErrorsNameTheKey() throws {
        let directory = try CLIPFixtures.directory("quick_argmax")
        let configuration = try CLIPConfiguration.load(from: directory)
        let weights = try CLIPFixtures.tensors(directory.appendingPathComponent("model.safetensors"))
        func failure(_ weights: [String: Tensor]) -> String {
            do {
                try CLIPModel(configuration: configuration).load(checkpoint: weights, source: "test")
                return ""
            } catch { return error.description }
        }
        var extra = weights
        extra["text_model.extra.weight"] = Tensor.zeros([2])
        #expect(failure(extra).contains("text_model.extra.weight"))
        var missing = weights
        missing["visual_projection.weight"] = nil
        #expect(failure(missing).contains("visual_projection.weight"))
        var misshaped = weights
        misshaped["text_model.final_layer_norm.bias"] = Tensor.zeros([3])
        #expect(failure(misshaped).contains("text_model.final_layer_norm.bias"))
        var integer = weights
        integer["logit_scale"] = Tensor(int64: [1], shape: [])
        #expect(failure(integer).contains("logit_scale"))
        #expect(failure(weights) == "")
    }
}

@Suite struct CLIPConfigurationLegacyTests {
    // A non-null text_config_dict replaces text_config entirely, defaults included, as transformers 5.25 does
    // (CLIPConfig(text_config={hidden 64, heads 4}, text_config_dict={layers 3}) has hidden 512, 3 layers, 8 heads).
    @Test func configDictionaryReplacesTheTowerConfig() throws {
        let json = #"{"text_config": {"hidden_size": 64, "num_attention_heads": 4}, "text_config_dict": {"num_hidden_layers": 3}, "vision_config_dict": null}"#
        let configuration = try CLIPConfiguration.decode(from: Data(json.utf8), file: "config.json")
        #expect(configuration.text.hiddenSize == 512 && configuration.text.hiddenLayers == 3 && configuration.text.attentionHeads == 8)
        #expect(configuration.vision == CLIPVisionConfiguration())
    }

    // A head dimension the attention kernel cannot take is a typed error, not a trap.
    @Test func oversizedHeadsAreRejected() throws {
        var configuration = CLIPConfiguration()
        configuration.vision.hiddenSize = 1024
        configuration.vision.attentionHeads = 2
        #expect(throws: CLIPError.self) { try CLIPModel(configuration: configuration) }
    }
}
