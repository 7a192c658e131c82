// Adding LoRA adapters to part of a model, after peft's `inject_adapter` (peft/tuners/tuners_utils.py):
// targets are matched like peft's `target_modules`, but inside a named submodule, so `gate_proj` in the
// language model does not also adapt the vision tower; adapters are saved under peft's key layout.
import Tensor

/// Which Linear layers inside the scope get adapters, matched against keys relative to the scope.
/// Mirrors peft's `target_modules`: a list of names matches a key equal to a name or ending in
/// `.name`; a pattern must match the whole key.
///
/// ```swift
/// let attention: LoRATargets = ["q_proj", "v_proj"]
/// let mlp: LoRATargets = .pattern(#"layers\.\d+\.mlp\.(gate|up|down)_proj"#)
/// ```
public enum LoRATargets: Sendable, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
    case names([String])
    case pattern(String)

    public init(arrayLiteral names: String...) { self = .names(names) }

    public var description: String {
        switch self {
        case .names(let names): return names.joined(separator: ", ")
        case .pattern(let pattern): return "/\(pattern)/"
        }
    }
}

/// The adapters of a model, held directly so enabling, disabling and merging walk nothing.
public struct LoRAAdapters {
    /// The prefix peft's `save_pretrained` puts before module keys in `adapter_model.safetensors`.
    public static let savedKeyPrefix = "base_model.model."

    /// Each adapted layer with its full key in the model.
    public let layers: [(key: String, layer: LoRALinear)]

    public init(layers: [(key: String, layer: LoRALinear)]) { self.layers = layers }

    /// The adapted layers' keys, in walk order.
    public var keys: [String] { layers.map(\.key) }

    /// Turns every adapter on (the default).
    public func enable() { for (_, layer) in layers { layer.isEnabled = true } }

    /// Turns every adapter off: the model computes exactly the base model's outputs.
    public func disable() { for (_, layer) in layers { layer.isEnabled = false } }

    /// Runs `body` with every adapter off (GRPO's reference policy), then restores each one's state.
    public func withAdaptersDisabled<Result>(_ body: () throws -> Result) rethrows -> Result {
        let states = layers.map(\.layer.isEnabled)
        disable()
        defer { for ((_, layer), state) in zip(layers, states) { layer.isEnabled = state } }
        return try body()
    }

    /// Folds every adapter into its base weight.
    public func merge() { for (_, layer) in layers { layer.merge() } }

    /// Restores every merged base weight exactly.
    public func unmerge() { for (_, layer) in layers { layer.unmerge() } }

    /// The adapter tensors keyed as peft saves them (`base_model.model.<key>.lora_A.weight`).
    public func savedWeights() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, layer) in layers {
            result["\(Self.savedKeyPrefix)\(key).lora_A.weight"] = layer.adapterDown
            result["\(Self.savedKeyPrefix)\(key).lora_B.weight"] = layer.adapterUp
        }
        return result
    }

    /// Loads adapter tensors saved by peft (or `savedWeights`): every adapter must be given, with
    /// matching shapes, and no other key.
    public func load(savedWeights weights: [String: Tensor]) throws(NNError) {
        var expected: [String: (layer: LoRALinear, isDown: Bool)] = [:]
        for (key, layer) in layers {
            expected["\(Self.savedKeyPrefix)\(key).lora_A.weight"] = (layer, true)
            expected["\(Self.savedKeyPrefix)\(key).lora_B.weight"] = (layer, false)
        }
        let unused = weights.keys.filter { expected[$0] == nil }.sorted()
        guard unused.isEmpty else { throw .unusedKeys(unused) }
        let missing = expected.keys.filter { weights[$0] == nil }.sorted()
        guard missing.isEmpty else { throw .missingKeys(missing) }
        for (key, tensor) in weights {
            let (layer, isDown) = expected[key]!
            let current = isDown ? layer.adapterDown : layer.adapterUp
            guard current.shape == tensor.shape else { throw .shapeMismatch(key: key, expected: current.shape, found: tensor.shape) }
        }
        for (key, tensor) in weights {
            let (layer, isDown) = expected[key]!
            if isDown { layer.adapterDown = tensor } else { layer.adapterUp = tensor }
        }
    }
}

/// Adding LoRA adapters to a model.
public enum LoRA {
    /// Replaces every Linear under `scope` (a submodule or module array; "" for the whole model) whose key inside it
    /// matches `targets` by a `LoRALinear`, in one walk of that subtree; afterwards only adapters train.
    ///
    /// ```swift
    /// let adapters = try LoRA.apply(to: qwen, in: "model.language_model", targets: ["q_proj", "v_proj"],
    ///                               rank: 8, alpha: 16, initializer: &generator)
    /// let reference = adapters.withAdaptersDisabled { qwen(batch) }
    /// ```
    @discardableResult
    public static func apply(to model: Module, in scope: String = "", targets: LoRATargets, rank: Int, alpha: Float,
                             dropout: Float = 0, initializer: inout RandomGenerator) throws(NNError) -> LoRAAdapters {
        guard let roots = subtrees(of: model, at: scope) else { throw .unknownModule(key: scope) }
        let pattern: Regex<AnyRegexOutput>?
        switch targets {
        case .names: pattern = nil
        case .pattern(let text):
            do { pattern = try Regex(text) } catch { throw .invalidArgument("LoRA target pattern /\(text)/ is not a regular expression: \(error)") }
        }
        func matches(_ key: String) -> Bool {
            switch targets {
            case .names(let names): return names.contains { key == $0 || key.hasSuffix("." + $0) }
            case .pattern: return key.wholeMatch(of: pattern!) != nil
            }
        }
        let fullKey = { (key: String) in scope.isEmpty ? key : "\(scope).\(key)" }
        var adapted: [(key: String, layer: LoRALinear)] = []
        var generator = initializer
        var originals: [(key: String, module: Linear)] = []
        var replaced: [String] = []
        do {
            for (prefix, root) in roots {
                replaced += try root.replaceModules { (relativeKey, module) throws(NNError) -> Module? in
                    let key = prefix.isEmpty ? relativeKey : "\(prefix).\(relativeKey)"
                    guard matches(key) else { return nil }
                    guard let linear = module as? Linear else {
                        throw .moduleTypeMismatch(key: fullKey(key), expected: "Linear", found: "\(type(of: module))")
                    }
                    guard !(linear is LoRALinear) else { throw .invalidArgument("'\(fullKey(key))' already has a LoRA adapter") }
                    let layer = LoRALinear(base: linear, rank: rank, alpha: alpha, dropout: dropout, initializer: &generator)
                    originals.append((fullKey(key), linear))
                    adapted.append((fullKey(key), layer))
                    return layer
                }
            }
        } catch {
            // A failed call leaves the model as it was: put back the layers already replaced.
            for (key, linear) in originals { try? model.replaceModule(at: key, with: linear) }
            throw error
        }
        initializer = generator
        guard !replaced.isEmpty else {
            throw .invalidArgument("LoRA targets \(targets) match no Linear under '\(scope.isEmpty ? "the model" : scope)'")
        }
        // As peft's `_mark_only_adapters_as_trainable`: every adapter of the model trains (also those of an
        // earlier call for another scope), nothing else does.
        for (key, slot) in model.parameterSlots() {
            slot.isTrainable = key.hasSuffix("lora_A.weight") || key.hasSuffix("lora_B.weight")
        }
        return LoRAAdapters(layers: adapted)
    }

    /// The subtrees under `scope` with their keys relative to it: the module there, or each element of
    /// the module array there (`layers` → `0`, `1`, …); nil when `scope` names neither.
    private static func subtrees(of model: Module, at scope: String) -> [(prefix: String, module: Module)]? {
        if let module = model.module(at: scope) { return [("", module)] }
        let parentKey = scope.split(separator: ".").dropLast().joined(separator: ".")
        let name = parentKey.isEmpty ? scope : String(scope.dropFirst(parentKey.count + 1))
        guard let parent = model.module(at: parentKey),
              case .modules(.array(let modules), _)? = parent.entries().first(where: { $0.key == name })?.entry else { return nil }
        return modules.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// The adapters already in `model` (for a model adapted elsewhere), with their full keys.
    public static func adapters(in model: Module) -> LoRAAdapters {
        LoRAAdapters(layers: model.namedModules().compactMap { key, module in (module as? LoRALinear).map { (key, $0) } })
    }
}
