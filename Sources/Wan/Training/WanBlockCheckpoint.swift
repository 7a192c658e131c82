// Gradient checkpointing of DiT blocks (diffusers' `gradient_checkpointing` / torch.utils.checkpoint), built
// from public engine pieces: the block runs off the tape, one tape node stands for it, and that node's backward
// re-runs the block on the tape (`Autograd.valueAndGradient` turns recording back on) to get the
// vector–Jacobian product for the block's input, its conditioning and its trainable parameters. Only each
// block's input survives the forward, so activation memory is one block's worth instead of all of them.
// The recomputation must see the same randomness: keep LoRA dropout at 0 when checkpointing.
import NN
import Tensor

enum WanBlockCheckpoint {
    /// `block(hidden, …)` with checkpointed activations; gradients equal the plain call's.
    static func run(_ block: WanTransformerBlock, hidden: Tensor, context: Tensor, imageContext: Tensor?,
                    time: WanModulationSegments, rotary: RotaryTable) -> Tensor {
        let parameters = block.parameters()
        let trainable = parameters.filter { $0.value.requiresGradient }.sorted { $0.key < $1.key }
        // Differentiable inputs, in a fixed order: hidden, context, image context?, each run's projection.
        var inputs = [hidden, context]
        if let imageContext { inputs.append(imageContext) }
        inputs += time.runs.map(\.projection)
        let output = Autograd.withoutGradient {
            block(hidden, context: context, imageContext: imageContext, time: time, rotary: rotary)
        }
        return Autograd.record(output, operation: "wan_block_checkpoint", inputs: inputs + trainable.map(\.value)) { gradient in
            var at: [String: Tensor] = [:]
            for (index, input) in inputs.enumerated() { at["input.\(index)"] = input }
            for (key, value) in trainable { at["parameter.\(key)"] = value }
            let (_, gradients) = Autograd.valueAndGradient(at: at) { leaves in
                var replaced = parameters
                for (key, _) in trainable { replaced[key] = leaves["parameter.\(key)"]! }
                do { try block.update(parameters: replaced) } catch { fatalError("checkpoint: the block's own keys failed to bind: \(error)") }
                var runs = time.runs
                let offset = imageContext == nil ? 2 : 3
                for index in runs.indices { runs[index].projection = leaves["input.\(offset + index)"]! }
                let recomputed = block(leaves["input.0"]!, context: leaves["input.1"]!,
                                       imageContext: imageContext == nil ? nil : leaves["input.2"]!,
                                       time: WanModulationSegments(runs: runs), rotary: rotary)
                return (recomputed * gradient).sum()
            }
            do { try block.update(parameters: parameters) } catch { fatalError("checkpoint: the block's own keys failed to bind: \(error)") }
            let inputGradients: [Tensor?] = inputs.indices.map { index in
                inputs[index].requiresGradient ? gradients["input.\(index)"] : nil
            }
            return inputGradients + trainable.map { gradients["parameter.\($0.key)"] }
        }
    }
}
