// Mirrors peft's LoraConfig / get_peft_model / save_pretrained / PeftModel.from_pretrained for
// Qwen2_5_VLForConditionalGeneration: LoRA on the language model's projections (vision tower frozen), saved as
// adapter_model.safetensors (keys `base_model.model.<module>.lora_{A,B}.weight`) + adapter_config.json.
import Checkpoints
import Foundation
import NN
import Tensor

/// The LoRA knobs, with the paper's defaults (rank 8, α 32 on every linear layer of the language model).
public struct QwenVLLoRAConfiguration: Sendable, Equatable {
    /// Adapter rank r.
    public var rank = 8
    /// Scale numerator: the update is (α / r)·B·A.
    public var alpha: Float = 32
    /// Dropout on the adapter input while training (0 keeps recomputation exact).
    public var dropout: Float = 0
    /// Projection names inside each decoder layer (`self_attn.*_proj`, `mlp.*_proj`).
    public var targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    public init() {}

    /// The language-model modules adapted: the regular expression peft's `target_modules` holds when it is a string
    /// (matched against whole module keys; the vision tower's MLP reuses gate/up/down names and stays out).
    public var targetPattern: String {
        #".*language_model\.layers\.\d+\.(self_attn|mlp)\.("# + targets.joined(separator: "|") + ")"
    }

    /// Rejects impossible settings with a message naming the knob.
    public func validate() throws(QwenVLError) {
        guard rank >= 1 else { throw .invalidInput("LoRA rank must be at least 1, got \(rank)") }
        guard alpha > 0, alpha.isFinite else { throw .invalidInput("LoRA alpha must be positive, got \(alpha)") }
        guard (0..<1).contains(dropout) else { throw .invalidInput("LoRA dropout must be in [0, 1), got \(dropout)") }
        let known: Set = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        guard !targets.isEmpty, targets.allSatisfy(known.contains) else {
            throw .invalidInput("LoRA targets \(targets) must be among \(known.sorted())")
        }
    }
}

/// LoRA training support for ``QwenVLModel``: adapters on the language model only, PEFT file layout, merging.
public enum QwenVLLoRA {
    /// The adapters' home in the module tree (`model.language_model`), as peft names it for transformers 5.
    public static let scope = "model.language_model"

    /// Adds adapters to the decoder's target projections; afterwards only the adapters train (the vision tower,
    /// embeddings and base weights are frozen), as `get_peft_model` leaves a model.
    @discardableResult
    public static func apply(to model: QwenVLModel, configuration: QwenVLLoRAConfiguration = QwenVLLoRAConfiguration(),
                             seed: UInt64 = 0) throws -> LoRAAdapters {
        try configuration.validate()
        var generator = RandomGenerator(seed: seed)
        return try LoRA.apply(to: model, in: scope, targets: .pattern(#"layers\.\d+\.(self_attn|mlp)\.("# + configuration.targets.joined(separator: "|") + ")"),
                              rank: configuration.rank, alpha: configuration.alpha, dropout: configuration.dropout,
                              initializer: &generator)
    }

    /// Writes `adapter_model.safetensors` and `adapter_config.json` into `directory` as peft's `save_pretrained` does.
    public static func save(_ adapters: LoRAAdapters, configuration: QwenVLLoRAConfiguration, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors: adapters.savedWeights().mapValues { $0.detached().converted(to: .float32) },
                                    metadata: ["format": "pt"], to: directory.appendingPathComponent("adapter_model.safetensors"))
        // The configuration's pattern when it names exactly the adapted modules; else (an adapter loaded from a file
        // whose targets reached elsewhere) the adapted keys themselves, so peft adapts the same modules.
        var targetModules = configuration.targetPattern
        if let pattern = try? Regex(targetModules),
           !adapters.keys.allSatisfy({ $0.wholeMatch(of: pattern) != nil }) {
            targetModules = "(" + adapters.keys.map { $0.replacingOccurrences(of: ".", with: #"\."#) }.joined(separator: "|") + ")"
        }
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": NSNull(), "r": configuration.rank, "lora_alpha": configuration.alpha,
            "lora_dropout": configuration.dropout, "target_modules": targetModules, "bias": "none",
            "fan_in_fan_out": false, "use_rslora": false, "use_dora": false, "inference_mode": true,
            "init_lora_weights": true, "modules_to_save": NSNull(), "base_model_name_or_path": NSNull(),
            "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](),
            "auto_mapping": ["base_model_class": "Qwen2_5_VLForConditionalGeneration",
                             "parent_library": "transformers.models.qwen2_5_vl.modeling_qwen2_5_vl"],
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: directory.appendingPathComponent("adapter_config.json"), options: .atomic)
    }

    /// Reads a peft adapter directory (ours or peft's): adapts exactly the modules its tensors name — wherever they
    /// are, so an adapter whose list targets also caught vision layers loads too — and loads the tensors.
    /// Unsupported options (DoRA, rsLoRA, per-module rank/alpha, biases, fan-in-fan-out) are errors naming the key.
    public static func load(into model: QwenVLModel, from directory: URL) throws -> (adapters: LoRAAdapters, configuration: QwenVLLoRAConfiguration) {
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any] else {
            throw QwenVLError.invalidInput("\(configURL.path): not a JSON object")
        }
        func fail(_ key: String, _ reason: String) -> QwenVLError { .invalidInput("\(configURL.path): \(key) \(reason)") }
        if let type = root["peft_type"] as? String, type != "LORA" { throw fail("peft_type", "is \(type), only LORA is supported") }
        for flag in ["use_dora", "use_rslora", "fan_in_fan_out"] where (root[flag] as? Bool) == true {
            throw fail(flag, "is true, which is not supported")
        }
        for pattern in ["rank_pattern", "alpha_pattern"] where !((root[pattern] as? [String: Any])?.isEmpty ?? true) {
            throw fail(pattern, "sets per-module values, which are not supported")
        }
        if let bias = root["bias"] as? String, bias != "none" { throw fail("bias", "is \(bias), only none is supported") }
        guard let rank = (root["r"] as? NSNumber)?.intValue, rank >= 1 else { throw fail("r", "must be a positive integer") }
        guard let alpha = (root["lora_alpha"] as? NSNumber)?.floatValue, alpha > 0 else { throw fail("lora_alpha", "must be positive") }
        var configuration = QwenVLLoRAConfiguration()
        configuration.rank = rank
        configuration.alpha = alpha
        configuration.dropout = (root["lora_dropout"] as? NSNumber)?.floatValue ?? 0
        let file = try SafetensorsFile(url: weightsURL)
        let weights = try file.allTensors()
        let prefix = LoRAAdapters.savedKeyPrefix
        var modules = Set<String>()
        for key in weights.keys {
            guard key.hasPrefix(prefix), key.hasSuffix(".lora_A.weight") || key.hasSuffix(".lora_B.weight") else {
                throw QwenVLError.invalidInput("\(weightsURL.path): tensor '\(key)' is not a LoRA weight in peft's layout")
            }
            modules.insert(String(key.dropFirst(prefix.count).dropLast(".lora_A.weight".count)))
        }
        guard !modules.isEmpty else { throw QwenVLError.invalidInput("\(weightsURL.path): holds no adapter tensors") }
        let names = Set(modules.compactMap { $0.split(separator: ".").last.map(String.init) })
        if names.isSubset(of: Set(QwenVLLoRAConfiguration().targets)) { configuration.targets = names.sorted() }
        let escaped = modules.sorted().map { $0.replacingOccurrences(of: ".", with: #"\."#) }
        var generator = RandomGenerator(seed: 0)
        let adapters = try LoRA.apply(to: model, targets: .pattern("(" + escaped.joined(separator: "|") + ")"), rank: rank,
                                      alpha: alpha, dropout: configuration.dropout, initializer: &generator)
        let converted = weights.mapValues { $0.dtype == .float32 ? $0 : $0.converted(to: .float32) }
        try adapters.load(savedWeights: converted)
        return (adapters, configuration)
    }
}
