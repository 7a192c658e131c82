// Mirrors transformers' UMT5EncoderModel (models/umt5/modeling_umt5.py): `shared` token embedding, then the
// encoder stack; and diffusers' WanPipeline._get_t5_prompt_embeds (pipelines/wan/pipeline_wan.py) for `encode`.
import Checkpoints
import Foundation
import NN
import Tensor
import Tokenizers

/// The umT5 encoder that turns Wan prompts into the DiT's text context.
///
/// ```swift
/// let encoder = try UMT5EncoderModel.load(from: pipeline.appendingPathComponent("text_encoder"))
/// let context = try encoder.encode(["a cat"], tokenizer: tokenizer) // [1, 512, 4096]
/// ```
public final class UMT5EncoderModel: Module {
    @ModuleInfo(key: "shared") public var sharedEmbedding: Embedding
    @ModuleInfo(key: "encoder") public var encoder: UMT5Stack
    public let configuration: UMT5Configuration
    /// The precision of the matrix products (float32 by default; see `UMT5ProductPrecision`).
    public var productPrecision: UMT5ProductPrecision = .float32

    /// A shape-only model whose parameters of `dtype` take no memory until `load(weights:)` replaces them.
    public init(configuration: UMT5Configuration, dtype: DType = .float32) {
        self.configuration = configuration
        super.init()
        sharedEmbedding = Embedding(reservingCount: configuration.vocabularySize, dimensions: configuration.modelDimension, dtype: dtype)
        encoder = UMT5Stack(configuration: configuration, dtype: dtype)
    }

    public override var checkpointRules: CheckpointRules { .umt5Encoder }

    /// `last_hidden_state` [B, L, D] (float32) for token ids [B][L] and an optional 1/0 attention mask of the same shape.
    /// `progress` is called after each layer with the number of layers done.
    public func lastHiddenState(inputIDs: [[Int]], attentionMask: [[Int]]? = nil,
                                progress: ((Int) -> Void)? = nil) throws(UMT5Error) -> Tensor {
        let ids = try validated(inputIDs: inputIDs, attentionMask: attentionMask)
        let embeddings = sharedEmbedding(ids).converted(to: .float32) // [B, L, D]
        return encoder(embeddings, attentionMask: attentionMask, precision: productPrecision, progress: progress)
    }

    /// What the Wan pipeline feeds the DiT for already tokenized prompts (ids and mask padded to the same length,
    /// usually 512): each row's hidden states cut to its true length (the mask's count of ones) and zero-padded
    /// to `sequenceLength` rows → [B, sequenceLength, D]. Runs the encoder only over the longest true length:
    /// padded keys are masked, so the kept rows do not depend on the padding.
    public func promptEmbeddings(_ encoding: Tokenizer.BatchEncoding, sequenceLength: Int = WanPromptCleaner.maxSequenceLength,
                                 progress: ((Int) -> Void)? = nil) throws(UMT5Error) -> Tensor {
        try promptEmbeddings(inputIDs: encoding.ids, attentionMask: encoding.attentionMask, sequenceLength: sequenceLength, progress: progress)
    }

    /// `promptEmbeddings(_:)` for ids and a 1/0 mask given as rows.
    public func promptEmbeddings(inputIDs: [[Int]], attentionMask: [[Int]], sequenceLength: Int = WanPromptCleaner.maxSequenceLength,
                                 progress: ((Int) -> Void)? = nil) throws(UMT5Error) -> Tensor {
        guard inputIDs.count == attentionMask.count else {
            throw .invalidInput(reason: "\(inputIDs.count) id rows but \(attentionMask.count) mask rows")
        }
        let lengths = attentionMask.map { row in row.filter { $0 > 0 }.count }
        guard let longest = lengths.max(), longest <= sequenceLength else {
            throw .invalidInput(reason: lengths.isEmpty ? "no prompts" : "a prompt has \(lengths.max()!) tokens, more than \(sequenceLength)")
        }
        let output = Tensor(shape: [lengths.count, sequenceLength, configuration.modelDimension])
        guard longest > 0 else { return output }
        // The pipeline's masks are ones then zeros, so the first `longest` columns hold every real token.
        let hidden = try lastHiddenState(inputIDs: inputIDs.map { Array($0.prefix(longest)) },
                                         attentionMask: attentionMask.map { Array($0.prefix(longest)) },
                                         progress: progress).contiguous() // [B, longest, D]
        let width = configuration.modelDimension
        let source = hidden.pointer(as: Float.self), destination = output.pointer(as: Float.self)
        for (row, length) in lengths.enumerated() {
            (destination + row * sequenceLength * width).update(from: source + row * longest * width, count: length * width)
        }
        return output
    }

    /// `_get_t5_prompt_embeds(prompts, max_sequence_length=512)`: clean, tokenize (padded and truncated to 512,
    /// `</s>` appended), encode, trim each row to its length and zero-pad to 512 → [B, 512, D].
    public func encode(_ prompts: [String], tokenizer: Tokenizer, sequenceLength: Int = WanPromptCleaner.maxSequenceLength,
                       progress: ((Int) -> Void)? = nil) throws -> Tensor {
        let encoding = try WanPromptCleaner().encode(prompts, tokenizer: tokenizer, maxLength: sequenceLength)
        return try promptEmbeddings(encoding, sequenceLength: sequenceLength, progress: progress)
    }

    /// The ids as an int64 tensor [B, L], after checking shapes and the vocabulary range (the engine traps on bad ids).
    private func validated(inputIDs: [[Int]], attentionMask: [[Int]]?) throws(UMT5Error) -> Tensor {
        guard let length = inputIDs.first?.count, length > 0 else { throw .invalidInput(reason: "input_ids is empty") }
        var flat: [Int64] = []
        flat.reserveCapacity(inputIDs.count * length)
        for (row, ids) in inputIDs.enumerated() {
            guard ids.count == length else { throw .invalidInput(reason: "input_ids row \(row) has \(ids.count) tokens, row 0 has \(length)") }
            for (position, id) in ids.enumerated() {
                guard id >= 0, id < configuration.vocabularySize else {
                    throw .tokenOutOfRange(row: row, position: position, id: id, vocabularySize: configuration.vocabularySize)
                }
                flat.append(Int64(id))
            }
        }
        if let attentionMask {
            guard attentionMask.count == inputIDs.count, attentionMask.allSatisfy({ $0.count == length }) else {
                throw .invalidInput(reason: "attention_mask does not have the shape of input_ids [\(inputIDs.count), \(length)]")
            }
            guard attentionMask.allSatisfy({ $0.allSatisfy { $0 == 0 || $0 == 1 } }) else {
                throw .invalidInput(reason: "attention_mask holds values other than 0 and 1")
            }
        }
        return Tensor(int64: flat, shape: [inputIDs.count, length])
    }
}
