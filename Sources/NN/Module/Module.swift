// The module tree, after MLX Swift's `Module` (mlx-swift Source/MLXNN/Module.swift): parameters and
// child modules are discovered by reflection over stored properties and addressed by their full
// checkpoint keys (`model.layers.3.self_attn.q_proj.weight`).
import Tensor

/// Base class of every layer and model.
///
/// Declare parameters with `@ParameterInfo` and children with `@ModuleInfo` (or plain stored
/// properties holding a `Module` or `[Module]`, keyed by their Swift name). Plain `Tensor`
/// properties are buffers: never loaded, saved or trained (e.g. rotary inverse frequencies).
open class Module {
    /// Whether the module is in training mode (dropout active); set for a tree with `train(_:)`.
    public private(set) var isTraining = true

    public init() {}

    /// One reflected stored property of a module.
    enum Entry {
        case parameter(ParameterSlot)
        case modules(ModuleChildren, slot: ModuleSlot?)
    }

    /// The module's own parameters and children, keyed by checkpoint key, in declaration order.
    func entries() -> [(key: String, entry: Entry)] {
        var result: [(String, Entry)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [Mirror] = []
        while let current = mirror {
            levels.append(current)
            mirror = current.superclassMirror
        }
        // Base-class properties first, so subclasses read naturally (Linear's weight before LoRA's A/B).
        for level in levels.reversed() {
            for child in level.children {
                guard let label = child.label else { continue }
                let swiftName = label.hasPrefix("_") ? String(label.dropFirst()) : label
                if let slot = child.value as? ParameterSlot {
                    result.append((slot.key ?? swiftName, .parameter(slot)))
                } else if let slot = child.value as? ModuleSlot {
                    result.append((slot.key ?? swiftName, .modules(slot.children, slot: slot)))
                } else {
                    let children = ModuleChildren(reflecting: child.value)
                    if case .none = children { continue }
                    result.append((swiftName, .modules(children, slot: nil)))
                }
            }
        }
        return result
    }

    /// Every parameter slot of the tree under its full key.
    func parameterSlots(prefix: String = "") -> [(key: String, slot: ParameterSlot)] {
        var result: [(String, ParameterSlot)] = []
        for (key, entry) in entries() {
            let fullKey = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch entry {
            case .parameter(let slot):
                if slot.tensor != nil { result.append((fullKey, slot)) }
            case .modules(.single(let module), _):
                result += module.parameterSlots(prefix: fullKey)
            case .modules(.array(let modules), _):
                for (index, module) in modules.enumerated() { result += module.parameterSlots(prefix: "\(fullKey).\(index)") }
            case .modules(.none, _):
                break
            }
        }
        return result
    }

    /// Every module of the tree (this one under ""), with its full key.
    public func namedModules(prefix: String = "") -> [(key: String, module: Module)] {
        var result: [(String, Module)] = [(prefix, self)]
        for (key, entry) in entries() {
            let fullKey = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch entry {
            case .modules(.single(let module), _):
                result += module.namedModules(prefix: fullKey)
            case .modules(.array(let modules), _):
                for (index, module) in modules.enumerated() { result += module.namedModules(prefix: "\(fullKey).\(index)") }
            default:
                break
            }
        }
        return result
    }

    /// All parameters keyed by full checkpoint key.
    public func parameters() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameterSlots().map { ($0.key, $0.slot.tensor!) })
    }

    /// The parameters optimizers update (those not frozen).
    public func trainableParameters() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameterSlots().filter { $0.slot.isTrainable }.map { ($0.key, $0.slot.tensor!) })
    }

    /// Replaces parameters by key. Every key must name a parameter and every shape must match;
    /// with `requireAll`, every parameter must be given too.
    public func update(parameters: [String: Tensor], requireAll: Bool = false) throws(NNError) {
        let slots = Dictionary(uniqueKeysWithValues: parameterSlots().map { ($0.key, $0.slot) })
        let unused = parameters.keys.filter { slots[$0] == nil }.sorted()
        guard unused.isEmpty else { throw .unusedKeys(unused) }
        if requireAll {
            let missing = slots.keys.filter { parameters[$0] == nil }.sorted()
            guard missing.isEmpty else { throw .missingKeys(missing) }
        }
        for (key, tensor) in parameters {
            let current = slots[key]!.tensor!
            guard current.shape == tensor.shape else {
                throw .shapeMismatch(key: key, expected: current.shape, found: tensor.shape)
            }
        }
        for (key, tensor) in parameters { slots[key]!.tensor = tensor }
    }

    /// How this model's checkpoints map onto its keys: renames, dropped buffers, ties, transposes and
    /// reshapes. Models override it with one readable table (e.g. `visual.` → `model.visual.`); it is
    /// data rather than code so `vans inspect weights` can show what maps where.
    open var checkpointRules: CheckpointRules { [] }

    /// A checkpoint's tensors, keyed by checkpoint key, mapped onto this model's keys by `checkpointRules`.
    public func sanitize(weights: [String: Tensor]) throws(NNError) -> [String: Tensor] {
        try checkpointRules.apply(to: weights)
    }

    /// Loads a full checkpoint: `sanitize`, then verify (no unused key, no missing parameter, equal
    /// shapes) and bind. Tensors keep their stored dtype unless `dtype` is given.
    public func load(weights: [String: Tensor], dtype: DType? = nil) throws(NNError) {
        var sanitized = try sanitize(weights: weights)
        if let dtype {
            sanitized = sanitized.mapValues { $0.dtype == dtype || !$0.dtype.isFloatingPoint ? $0 : $0.converted(to: dtype) }
        }
        try update(parameters: sanitized, requireAll: true)
    }

    /// Freezes the sub-trees under `keys` (all parameters when nil): optimizers leave them alone.
    public func freeze(_ keys: [String]? = nil) throws(NNError) { try setTrainable(false, keys) }

    /// Unfreezes the sub-trees under `keys` (all parameters when nil).
    public func unfreeze(_ keys: [String]? = nil) throws(NNError) { try setTrainable(true, keys) }

    private func setTrainable(_ trainable: Bool, _ keys: [String]?) throws(NNError) {
        let slots = parameterSlots()
        guard let keys else {
            for (_, slot) in slots { slot.isTrainable = trainable }
            return
        }
        for prefix in keys {
            let matching = slots.filter { $0.key == prefix || $0.key.hasPrefix(prefix + ".") }
            guard !matching.isEmpty else { throw .unknownModule(key: prefix) }
            for (_, slot) in matching { slot.isTrainable = trainable }
        }
    }

    /// Sets training mode (dropout on) or evaluation mode for the whole tree.
    public func train(_ training: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = training }
    }

    /// The module at `key` ("" is this module), found by descending along the key rather than walking the tree.
    public func module(at key: String) -> Module? {
        if key.isEmpty { return self }
        for (entryKey, entry) in entries() {
            guard case .modules(let children, _) = entry, key == entryKey || key.hasPrefix(entryKey + ".") else { continue }
            let rest = key == entryKey ? "" : String(key.dropFirst(entryKey.count + 1))
            switch children {
            case .single(let module):
                if let found = module.module(at: rest) { return found }
            case .array(let modules):
                let parts = rest.split(separator: ".", maxSplits: 1).map(String.init)
                guard let first = parts.first, let index = Int(first), modules.indices.contains(index) else { continue }
                if let found = modules[index].module(at: parts.count > 1 ? parts[1] : "") { return found }
            case .none:
                continue
            }
        }
        return nil
    }

    /// Walks the tree under this module once and puts `transform`'s result in place of every module it
    /// returns one for (the replaced module's subtree is not walked). `transform` gets each module's key
    /// relative to this one. Returns the replaced keys in walk order.
    public func replaceModules(_ transform: (String, Module) throws(NNError) -> Module?) throws(NNError) -> [String] {
        try replaceModules(prefix: "", transform)
    }

    private func replaceModules(prefix: String, _ transform: (String, Module) throws(NNError) -> Module?) throws(NNError) -> [String] {
        var replaced: [String] = []
        for (key, entry) in entries() {
            guard case .modules(let children, let slot) = entry else { continue }
            let fullKey = prefix.isEmpty ? key : "\(prefix).\(key)"
            let members: [(key: String, index: Int?, module: Module)]
            switch children {
            case .single(let module): members = [(fullKey, nil, module)]
            case .array(let modules): members = modules.enumerated().map { ("\(fullKey).\($0.offset)", $0.offset, $0.element) }
            case .none: members = []
            }
            for member in members {
                guard let replacement = try transform(member.key, member.module) else {
                    replaced += try member.module.replaceModules(prefix: member.key, transform)
                    continue
                }
                guard let slot else {
                    throw .invalidArgument("'\(member.key)' is a plain stored property; declare it with @ModuleInfo to make it replaceable")
                }
                guard slot.replace(at: member.index, with: replacement) else {
                    throw .moduleTypeMismatch(key: member.key, expected: "\(type(of: member.module))", found: "\(type(of: replacement))")
                }
                replaced.append(member.key)
            }
        }
        return replaced
    }

    /// Puts `replacement` at `key` (e.g. a LoRA-wrapped Linear); its declared type must accept it.
    public func replaceModule(at key: String, with replacement: Module) throws(NNError) {
        let parts = key.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { throw .unknownModule(key: key) }
        // The last component may be an array index: `layers.3` → slot `layers`, index 3.
        var parentKey = parts.dropLast().joined(separator: ".")
        var slotKey = parts.last!
        var index: Int?
        if let position = Int(slotKey), parts.count >= 2 {
            index = position
            slotKey = parts[parts.count - 2]
            parentKey = parts.dropLast(2).joined(separator: ".")
        }
        guard let parent = module(at: parentKey),
              let (_, entry) = parent.entries().first(where: { $0.key == slotKey }),
              case .modules(let children, let slot) = entry else {
            throw .unknownModule(key: key)
        }
        let current: Module
        switch (children, index) {
        case (.single(let module), nil): current = module
        case (.array(let modules), let position?) where modules.indices.contains(position): current = modules[position]
        default: throw .unknownModule(key: key)
        }
        guard let slot else {
            throw .invalidArgument("'\(key)' is a plain stored property; declare it with @ModuleInfo to make it replaceable")
        }
        guard slot.replace(at: index, with: replacement) else {
            throw .moduleTypeMismatch(key: key, expected: "\(type(of: current))", found: "\(type(of: replacement))")
        }
    }
}
