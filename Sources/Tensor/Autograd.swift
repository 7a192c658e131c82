/// One node of the reverse-mode graph. Leaves are tensors that require gradients (parameters);
/// interior nodes hold the backward closure of the op that produced them. The closure (and with it
/// every intermediate it captured) is released as soon as backward has passed through the node.
/// A graph is built and consumed by one task at a time.
public final class GradientNode: @unchecked Sendable {
    fileprivate var inputs: [GradientNode?]
    fileprivate var backwardFunction: ((Tensor) -> [Tensor?])?
    /// True for tensors made with `requiringGradient()`.
    public let isLeaf: Bool
    /// Shape of the tensor this node belongs to (gradients have this shape).
    public let shape: [Int]
    /// Accumulated gradient of a leaf (summed across `backward` calls until `zeroGradient`).
    public internal(set) var gradient: Tensor?
    /// Name of the op, for error messages.
    public let operation: String

    init(leafShape shape: [Int]) {
        inputs = []
        backwardFunction = nil
        isLeaf = true
        self.shape = shape
        operation = "leaf"
    }

    init(operation: String, inputs: [GradientNode?], shape: [Int], backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        backwardFunction = backward
        isLeaf = false
        self.shape = shape
        self.operation = operation
    }
}

/// Reverse-mode automatic differentiation over a runtime graph.
///
/// Adding a differentiable op: compute the output with kernels, then return
/// `Autograd.record(output, operation: "name", inputs: [a, b]) { gradient in [gradA, gradB] }`.
/// The closure maps the output's gradient to one gradient per input (nil where an input gets none);
/// it runs with recording off, may use any Tensor op, and must return gradients with the inputs'
/// shapes (use `sum(toShape:)` after broadcasting). Nothing is recorded when no input requires
/// gradients or inside `Autograd.withoutGradient`.
public enum Autograd {
    @TaskLocal static var isRecordingEnabled = true

    /// True unless inside `withoutGradient`.
    public static var isRecording: Bool { isRecordingEnabled }

    /// Runs `body` without recording any op (inference, optimizer updates).
    public static func withoutGradient<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isRecordingEnabled.withValue(false) { try body() }
    }

    /// Attaches a backward closure to `output` when recording and some input requires gradients.
    public static func record(_ output: Tensor, operation: String, inputs: [Tensor],
                              backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard isRecordingEnabled, inputs.contains(where: { $0.gradientNode != nil }) else { return output }
        var result = output
        result.gradientNode = GradientNode(operation: operation, inputs: inputs.map(\.gradientNode),
                                           shape: output.shape, backward: backward)
        return result
    }

    /// Runs backward from `root` with output gradient `seed`, accumulating into leaves.
    static func backward(from root: GradientNode, seed: Tensor) {
        // Iterative post-order DFS: deep graphs (long sequences of layers) must not overflow the stack.
        var order: [GradientNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: GradientNode, nextInput: Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let top = stack.last {
            if top.nextInput < top.node.inputs.count {
                stack[stack.count - 1].nextInput += 1
                if let child = top.node.inputs[top.nextInput], visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(top.node)
                stack.removeLast()
            }
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        withoutGradient {
            for node in order.reversed() {
                guard let gradient = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                precondition(gradient.shape == node.shape,
                             "\(node.operation) backward produced gradient \(gradient.shape) for shape \(node.shape)")
                if node.isLeaf {
                    node.gradient = node.gradient.map { $0 + gradient } ?? gradient.contiguous()
                    continue
                }
                guard let function = node.backwardFunction else {
                    preconditionFailure("backward through \(node.operation) twice: its graph was already consumed")
                }
                let inputGradients = function(gradient)
                precondition(inputGradients.count == node.inputs.count, "\(node.operation) backward arity")
                for (input, inputGradient) in zip(node.inputs, inputGradients) {
                    guard let input, let inputGradient else { continue }
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + inputGradient } ?? inputGradient
                }
                // Free the captured intermediates now rather than when the whole graph dies.
                node.backwardFunction = nil
                node.inputs = []
            }
        }
    }

    /// Evaluates `function` at `parameters` and returns its value and the gradient of the value
    /// with respect to every parameter, keyed like `parameters` (zeros for parameters the value
    /// does not depend on). The value must have one element. Gradients are float32.
    ///
    ///     let (loss, gradients) = Autograd.valueAndGradient(at: parameters) { p in
    ///         ((p["w"]! * x).sum() - target).square()
    ///     }
    public static func valueAndGradient(
        at parameters: [String: Tensor], of function: ([String: Tensor]) throws -> Tensor
    ) rethrows -> (value: Tensor, gradients: [String: Tensor]) {
        var leaves: [String: Tensor] = [:]
        for (key, parameter) in parameters { leaves[key] = parameter.detached().requiringGradient() }
        let value = try $isRecordingEnabled.withValue(true) { try function(leaves) }
        if value.gradientNode != nil { value.backward() }
        var gradients: [String: Tensor] = [:]
        for (key, leaf) in leaves {
            gradients[key] = leaf.gradient ?? Tensor.zeros(leaf.shape)
        }
        return (value.detached(), gradients)
    }
}

extension Tensor {
    /// True when this tensor is part of a graph (a leaf that requires gradients, or computed from one).
    public var requiresGradient: Bool { gradientNode != nil }

    /// This tensor as a new graph leaf whose gradient is accumulated by `backward`.
    public func requiringGradient() -> Tensor {
        var result = self
        result.gradientNode = GradientNode(leafShape: shape)
        return result
    }

    /// This tensor cut from the graph (stop-gradient); shares storage.
    public func detached() -> Tensor {
        var result = self
        result.gradientNode = nil
        return result
    }

    /// The gradient accumulated into this leaf by `backward` calls (nil before any).
    public var gradient: Tensor? { gradientNode?.gradient }

    /// Clears this leaf's accumulated gradient.
    public func zeroGradient() { gradientNode?.gradient = nil }

    /// Back-propagates from this tensor (one element unless `seed`, the output gradient, is
    /// given), accumulating into every leaf it depends on. Consumes the graph.
    public func backward(seed: Tensor? = nil) {
        guard let node = gradientNode else {
            preconditionFailure("backward() on a tensor that does not require gradients")
        }
        let start = seed ?? {
            precondition(elementCount == 1, "backward() without a seed needs a one-element tensor, shape is \(shape)")
            return Tensor.ones(shape)
        }()
        precondition(start.shape == shape, "backward seed shape \(start.shape) differs from \(shape)")
        Autograd.backward(from: node, seed: start.converted(to: .float32))
    }
}
