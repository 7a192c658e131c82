// The property wrappers that make module trees discoverable by reflection, after MLX Swift's
// `@ModuleInfo` / `@ParameterInfo`: each carries the checkpoint key so Swift names stay Swift.
import Tensor

/// The reference-typed slot behind `@ParameterInfo`: reflection finds it and can replace its tensor.
public class ParameterSlot {
    /// Checkpoint key; nil means the Swift property name.
    public let key: String?
    /// The stored tensor (nil for an absent optional parameter such as a bias).
    public var tensor: Tensor?
    /// Whether optimizers update it; `Module.freeze` clears this.
    public var isTrainable = true

    init(key: String?, tensor: Tensor?) {
        self.key = key
        self.tensor = tensor
    }
}

/// A learnable tensor of a module, `Tensor` or `Tensor?`.
///
/// ```swift
/// @ParameterInfo(key: "weight") var weight: Tensor
/// @ParameterInfo var bias: Tensor?
/// ```
@propertyWrapper
public final class ParameterInfo<Value: ParameterValue>: ParameterSlot {
    public init(wrappedValue: Value, key: String? = nil) {
        super.init(key: key, tensor: wrappedValue.parameterTensor)
    }

    /// A slot to be filled in the owner's `init` (`_weight.wrappedValue = ...`).
    public init(key: String? = nil) {
        super.init(key: key, tensor: nil)
    }

    public var wrappedValue: Value {
        get {
            guard let value = Value(parameterTensor: tensor) else {
                fatalError("parameter '\(key ?? "?")' read before it was set")
            }
            return value
        }
        set { tensor = newValue.parameterTensor }
    }
}

/// Types a parameter slot may hold.
public protocol ParameterValue {
    var parameterTensor: Tensor? { get }
    init?(parameterTensor: Tensor?)
}

extension Tensor: ParameterValue {
    public var parameterTensor: Tensor? { self }
    public init?(parameterTensor: Tensor?) {
        guard let parameterTensor else { return nil }
        self = parameterTensor
    }
}

extension Optional: ParameterValue where Wrapped == Tensor {
    public var parameterTensor: Tensor? { self }
    public init?(parameterTensor: Tensor?) { self = parameterTensor }
}

/// The reference-typed slot behind `@ModuleInfo`: reflection finds it and can swap its module(s).
public class ModuleSlot {
    /// Checkpoint key; nil means the Swift property name.
    public let key: String?

    init(slotKey key: String?) { self.key = key }

    /// The child module(s) held: one, an array (keyed `name.0`, `name.1`, …) or none.
    var children: ModuleChildren { .none }

    /// Replaces the module at `index` (nil for a single child); false when the type does not fit.
    func replace(at index: Int?, with module: Module) -> Bool { false }
}

/// What a module property holds.
enum ModuleChildren {
    case none
    case single(Module)
    case array([Module])
}

/// A child module (or array, or optional) of a module, with its checkpoint key.
///
/// ```swift
/// @ModuleInfo(key: "q_proj") var queryProjection: Linear
/// @ModuleInfo(key: "layers") var layers: [DecoderLayer]
/// ```
@propertyWrapper
public final class ModuleInfo<Value>: ModuleSlot {
    private var value: Value?

    public init(wrappedValue: Value, key: String? = nil) {
        value = wrappedValue
        super.init(slotKey: key)
    }

    /// A slot to be filled in the owner's `init` (`_layers.wrappedValue = ...`).
    public init(key: String? = nil) {
        value = nil
        super.init(slotKey: key)
    }

    public var wrappedValue: Value {
        get {
            guard let value else { fatalError("module '\(key ?? "?")' read before it was set") }
            return value
        }
        set { value = newValue }
    }

    override var children: ModuleChildren {
        guard let value else { return .none }
        return ModuleChildren(reflecting: value)
    }

    override func replace(at index: Int?, with module: Module) -> Bool {
        if let index {
            guard var array = value as? [Module], array.indices.contains(index) else { return false }
            array[index] = module
            guard let typed = array as? Value else { return false }
            value = typed
        } else {
            guard let typed = module as? Value else { return false }
            value = typed
        }
        return true
    }
}

extension ModuleChildren {
    /// Classifies a reflected property value (a module, an array of modules, or anything else).
    init(reflecting value: Any) {
        if let module = value as? Module {
            self = .single(module)
        } else if let array = value as? [Module] {
            self = .array(array)
        } else {
            self = .none
        }
    }
}
