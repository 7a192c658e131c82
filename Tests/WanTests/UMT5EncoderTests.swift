// The umT5 encoder against transformers' UMT5EncoderModel and diffusers' _get_t5_prompt_embeds on tiny random
// models (scripts/fixtures/umt5.py): hidden states, relative-position buckets, both checkpoint layouts, errors.
import Checkpoints
import Foundation
import NN
import Tensor
import Testing
import Tokenizers
@testable import Wan

private func umt5Fixture(_ path: String) throws -> URL {
    let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return base.appendingPathComponent("umt5").appendingPathComponent(path)
}

func integerRows(_ file: SafetensorsFile, _ name: String) throws -> [[Int]] {
    let (values, shape) = try file.integers(name)
    return stride(from: 0, to: values.count, by: shape[1]).map { Array(values[$0..<($0 + shape[1])]) }
}

@Suite("umT5 encoder")
struct UMT5EncoderTests {
    // last_hidden_state equals transformers' (float32, relative 1e-5) for every config: d_kv ≠ d_model/heads,
    // few buckets with a short max distance, bf16 weights, sharded safetensors, rows with padding and all padding.
    @Test(arguments: ["base", "odd_kv", "wide_kv_bf16", "sharded"])
    func matchesTransformers(_ name: String) throws {
        let encoder = try UMT5EncoderModel.load(from: umt5Fixture(name))
        let inputs = try SafetensorsFile(url: umt5Fixture("\(name)/inputs.safetensors"))
        let expected = try SafetensorsFile(url: umt5Fixture("\(name)/outputs.safetensors")).tensor("last_hidden_state")
        let hidden = try encoder.lastHiddenState(inputIDs: integerRows(inputs, "input_ids"),
                                                 attentionMask: integerRows(inputs, "attention_mask"))
        #expect(hidden.shape == expected.shape)
        #expect(relativeError(hidden, expected) < 1e-5, "\(name): \(relativeError(hidden, expected))")
    }

    // bf16 weights are kept in bf16 (memory-mapped) unless a dtype is asked for.
    @Test func keepsStoredDType() throws {
        let encoder = try UMT5EncoderModel.load(from: umt5Fixture("wide_kv_bf16"))
        #expect(encoder.parameters().values.allSatisfy { $0.dtype == .bfloat16 })
        let widened = try UMT5EncoderModel.load(from: umt5Fixture("wide_kv_bf16"), dtype: .float32)
        #expect(widened.parameters().values.allSatisfy { $0.dtype == .float32 })
    }

    // bf16 products (bf16 activations × bf16 weights, float32 accumulation) stay within bf16 rounding of the
    // float32 result, and really take the bf16 path (the result differs).
    @Test func bfloat16Products() throws {
        let encoder = try UMT5EncoderModel.load(from: umt5Fixture("wide_kv_bf16"))
        let inputs = try SafetensorsFile(url: umt5Fixture("wide_kv_bf16/inputs.safetensors"))
        let expected = try SafetensorsFile(url: umt5Fixture("wide_kv_bf16/outputs.safetensors")).tensor("last_hidden_state")
        encoder.productPrecision = .bfloat16
        let hidden = try encoder.lastHiddenState(inputIDs: integerRows(inputs, "input_ids"),
                                                 attentionMask: integerRows(inputs, "attention_mask"))
        let error = relativeError(hidden, expected)
        #expect(error < 3e-2 && error > 1e-6, "\(error)")
    }

    // Wan's official .pth (its own key names, no config) loads through the PyTorch reader and the rename table,
    // its configuration inferred from the shapes, and computes the same states.
    @Test func officialCheckpoint() throws {
        let url = try umt5Fixture("official/models_t5_umt5-enc.pth")
        let encoder = try UMT5EncoderModel.load(from: url)
        let reference = try UMT5Configuration.load(from: umt5Fixture("base"))
        #expect(encoder.configuration == reference)
        let inputs = try SafetensorsFile(url: umt5Fixture("official/inputs.safetensors"))
        let expected = try SafetensorsFile(url: umt5Fixture("official/outputs.safetensors")).tensor("last_hidden_state")
        let hidden = try encoder.lastHiddenState(inputIDs: integerRows(inputs, "input_ids"), attentionMask: integerRows(inputs, "attention_mask"))
        #expect(relativeError(hidden, expected) < 1e-5)
    }

    // Every official key maps onto exactly one model parameter with its shape, and the table drops nothing.
    @Test func officialRenameTable() throws {
        let archive = try PyTorchArchive(url: umt5Fixture("official/models_t5_umt5-enc.pth"))
        let plan = try CheckpointRules.umt5Encoder.plan(shapes: archive.tensors.mapValues(\.shape))
        let model = UMT5EncoderModel(configuration: try UMT5Configuration.load(from: umt5Fixture("base")))
        let parameters = model.parameters().mapValues(\.shape)
        #expect(Set(plan.keys) == Set(parameters.keys))
        #expect(plan.dropped.isEmpty)
        for (key, mapping) in plan.mappings { #expect(mapping.shape == parameters[key], "\(key)") }
        #expect(plan.mappings["encoder.block.1.layer.1.DenseReluDense.wi_0.weight"]?.source == "blocks.1.ffn.gate.0.weight")
        #expect(plan.mappings["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]?.source == "blocks.0.pos_embedding.embedding.weight")
    }

    // Bucket ids equal torch's `_relative_position_bucket` (float32 log, truncation) for relative positions -600…600.
    @Test func bucketsMatchTorch() throws {
        struct Table: Decodable {
            struct Case: Decodable { var buckets: Int; var max_distance: Int; var values: [Int] }
            var first_relative_position: Int
            var cases: [Case]
        }
        let table = try JSONDecoder().decode(Table.self, from: Data(contentsOf: umt5Fixture("buckets.json")))
        for entry in table.cases {
            let ours = entry.values.indices.map {
                UMT5RelativePositions.bucket(table.first_relative_position + $0, buckets: entry.buckets, maxDistance: entry.max_distance)
            }
            #expect(ours == entry.values, "buckets \(entry.buckets), max distance \(entry.max_distance)")
        }
    }

    // The pipeline's prompt embeddings: states cut to each prompt's length and zero-padded to 512, equal to
    // diffusers' _get_t5_prompt_embeds on the same ids (the encoder runs on the longest prompt only).
    @Test func promptEmbeddingsMatchPipeline() throws {
        let encoder = try UMT5EncoderModel.load(from: umt5Fixture("pipeline_encoder"))
        let file = try SafetensorsFile(url: umt5Fixture("pipeline_encoder/prompt_embeds.safetensors"))
        let expected = try file.tensor("prompt_embeds")
        let chosen = try JSONDecoder().decode([Int].self, from: Data(try #require(file.metadata["prompt_rows"]).utf8))
        struct PromptIDs: Decodable { var max_length: Int; var prompts: [[Entry]]
            enum Entry: Decodable {
                case text(String), ids([Int])
                init(from decoder: Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let text = try? container.decode(String.self) { self = .text(text) } else { self = .ids(try container.decode([Int].self)) }
                }
            }
        }
        let fixture = try JSONDecoder().decode(PromptIDs.self, from: Data(contentsOf: umt5Fixture("../umt5_prompt_ids.json")))
        let rows: [[Int]] = chosen.map { index in
            guard case .ids(let ids) = fixture.prompts[index][1] else { return [] }
            return ids + Array(repeating: 0, count: fixture.max_length - ids.count)
        }
        let masks = chosen.map { index -> [Int] in
            guard case .ids(let ids) = fixture.prompts[index][1] else { return [] }
            return Array(repeating: 1, count: ids.count) + Array(repeating: 0, count: fixture.max_length - ids.count)
        }
        let embeddings = try encoder.promptEmbeddings(inputIDs: rows, attentionMask: masks)
        #expect(embeddings.shape == expected.shape)
        #expect(relativeError(embeddings, expected) < 1e-5, "\(relativeError(embeddings, expected))")
    }

    // End to end from text: clean, tokenize (the t5-unigram fixture tokenizer, shared with the Tokenizers tests),
    // encode, trim and pad: diffusers' _get_t5_prompt_embeds on the same prompts.
    @Test func encodeMatchesPipelineFromText() throws {
        let encoder = try UMT5EncoderModel.load(from: umt5Fixture("pipeline_encoder"))
        let file = try SafetensorsFile(url: umt5Fixture("pipeline_encoder/prompt_embeds.safetensors"))
        let chosen = try JSONDecoder().decode([Int].self, from: Data(try #require(file.metadata["prompt_rows"]).utf8))
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: umt5Fixture("../umt5_prompt_ids.json"))) as? [String: Any])
        let prompts = try chosen.map { index -> String in
            let entries = try #require(rows["prompts"] as? [[Any]])
            return try #require(entries[index][0] as? String)
        }
        let tokenizer = try Tokenizer(file: PromptCleaningTests.tokenizersFixtures.appendingPathComponent("t5-unigram/tokenizer.json"))
        let embeddings = try encoder.encode(prompts, tokenizer: tokenizer)
        let expected = try file.tensor("prompt_embeds")
        #expect(embeddings.shape == expected.shape)
        #expect(relativeError(embeddings, expected) < 1e-5)
    }

    // Bad ids and masks are typed errors, never a trap in the embedding lookup.
    @Test func rejectsBadInputs() throws {
        let encoder = try UMT5EncoderModel.load(from: umt5Fixture("base"))
        #expect(throws: UMT5Error.tokenOutOfRange(row: 1, position: 0, id: 64, vocabularySize: 64)) {
            try encoder.lastHiddenState(inputIDs: [[1, 2], [64, 1]])
        }
        #expect(throws: UMT5Error.self) { try encoder.lastHiddenState(inputIDs: [[1, 2], [1]]) }
        #expect(throws: UMT5Error.self) { try encoder.lastHiddenState(inputIDs: [[1, 2]], attentionMask: [[1, 2]]) }
        #expect(throws: UMT5Error.self) { try encoder.lastHiddenState(inputIDs: []) }
        #expect(throws: UMT5Error.self) { try encoder.lastHiddenState(inputIDs: [[-1]]) }
    }

    // A checkpoint with a missing, an extra or a mis-shaped tensor is refused, naming the key.
    @Test func rejectsBadCheckpoints() throws {
        let weights = try SafetensorsFile(url: umt5Fixture("base/model.safetensors")).allTensors()
        let configuration = try UMT5Configuration.load(from: umt5Fixture("base"))
        func load(_ weights: [String: Tensor]) throws { try UMT5EncoderModel(configuration: configuration).load(weights: weights) }
        var missing = weights
        missing["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"] = nil
        #expect(throws: NNError.missingKeys(["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"])) { try load(missing) }
        var extra = weights
        extra["encoder.block.0.layer.0.SelfAttention.bias"] = Tensor([1])
        #expect(throws: NNError.unusedKeys(["encoder.block.0.layer.0.SelfAttention.bias"])) { try load(extra) }
        var misshaped = weights
        misshaped["encoder.final_layer_norm.weight"] = Tensor.ones([31])
        #expect(throws: NNError.shapeMismatch(key: "encoder.final_layer_norm.weight", expected: [32], found: [31])) { try load(misshaped) }
    }
}
