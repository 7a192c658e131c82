// Mirrors `CLIPModel.from_pretrained` + `CLIPImageProcessorPil.from_pretrained` + `CLIPTokenizerFast.from_pretrained`
// for an `openai/clip-vit-base-patch32`-style directory: config.json, model.safetensors (or shards with
// model.safetensors.index.json), preprocessor_config.json and tokenizer files.
import Checkpoints
import Foundation
import NN
import Tensor
import Tokenizers

extension CLIPModel {
    /// Loads config.json and the safetensors weights of `directory`, computing in float32 whatever the stored
    /// dtype. Unused, missing and mis-shaped keys are errors naming the key (see `checkpointRules`).
    public static func load(directory: URL) throws(CLIPError) -> CLIPModel {
        let configuration: CLIPConfiguration
        do { configuration = try CLIPConfiguration.load(from: directory) } catch {
            throw .invalidModel(error.description)
        }
        let weights: [String: Tensor]
        do { weights = try SafetensorsCheckpoint(url: directory).allTensors(mapped: true) } catch {
            throw .invalidModel(error.description)
        }
        let model = try CLIPModel(configuration: configuration)
        try model.load(checkpoint: weights, source: directory.path)
        return model
    }

    /// Binds checkpoint tensors (keyed as Hugging Face stores them) after the rule table, converting floating
    /// tensors to float32; `source` names the checkpoint in errors.
    public func load(checkpoint weights: [String: Tensor], source: String) throws(CLIPError) {
        var sanitized: [String: Tensor]
        do { sanitized = try sanitize(weights: weights) } catch { throw .invalidModel("\(source): \(error.description)") }
        for key in sanitized.keys.sorted() {
            let tensor = sanitized[key]!
            guard tensor.dtype.isFloatingPoint else {
                throw .invalidModel("\(source): '\(key)' is stored as \(tensor.dtype), expected floating point")
            }
            if tensor.dtype != .float32 { sanitized[key] = tensor.converted(to: .float32) }
        }
        do { try update(parameters: sanitized, requireAll: true) } catch { throw .invalidModel("\(source): \(error.description)") }
    }
}

/// A loaded CLIP directory: the model, its image preprocessing and (when the directory has one) its tokenizer.
public struct CLIPBundle: @unchecked Sendable {
    // @unchecked: the model is a class whose parameters are only read after loading.
    /// The two towers and projections.
    public let model: CLIPModel
    /// preprocessor_config.json (the OpenAI defaults when the file is absent).
    public let imageProcessor: CLIPImageProcessor
    /// tokenizer.json, or nil when the directory has none (text embeddings then need ids from elsewhere).
    public let tokenizer: Tokenizer?

    public init(model: CLIPModel, imageProcessor: CLIPImageProcessor, tokenizer: Tokenizer?) {
        self.model = model
        self.imageProcessor = imageProcessor
        self.tokenizer = tokenizer
    }

    /// Loads every part of `directory` that exists; the model is required.
    public static func load(directory: URL) throws(CLIPError) -> CLIPBundle {
        let model = try CLIPModel.load(directory: directory)
        let preprocessor = directory.appendingPathComponent("preprocessor_config.json")
        let processor = FileManager.default.fileExists(atPath: preprocessor.path)
            ? try CLIPImageProcessor.load(from: preprocessor) : CLIPImageProcessor()
        guard processor.outputSize(width: model.configuration.vision.imageSize, height: model.configuration.vision.imageSize)
                == (model.configuration.vision.imageSize, model.configuration.vision.imageSize) || !processor.doCenterCrop else {
            throw .invalidModel("\(preprocessor.path): crop_size \(processor.cropHeight)×\(processor.cropWidth) differs from vision_config.image_size \(model.configuration.vision.imageSize)")
        }
        var tokenizer: Tokenizer?
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path) {
            do { tokenizer = try Tokenizer(directory: directory) } catch {
                throw .invalidModel("\(directory.appendingPathComponent("tokenizer.json").path): \(error)")
            }
        }
        return CLIPBundle(model: model, imageProcessor: processor, tokenizer: tokenizer)
    }

    /// Token ids of `texts` as CLIP's tokenizer gives them for the model: start token, at most
    /// max_positions − 2 tokens, end token, padded to the longest text; with the attention mask.
    public func tokenize(_ texts: [String]) throws(CLIPError) -> (ids: [[Int]], attentionMask: [[Int]]) {
        guard let tokenizer else { throw .invalidInput("the CLIP directory has no tokenizer.json, so captions cannot be encoded") }
        do {
            let batch = try tokenizer.encodeBatch(texts, maxLength: model.configuration.text.maxPositionEmbeddings,
                                                  padding: .longest(left: false))
            return (batch.ids, batch.attentionMask)
        } catch {
            throw .invalidInput("tokenizing captions: \(error)")
        }
    }
}
