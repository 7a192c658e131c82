// Mirrors torch.utils.checkpoint (use_reentrant=False) as transformers' `gradient_checkpointing_enable` applies it to
// Qwen2_5_VLDecoderLayer: a layer's activations are dropped after the forward pass and recomputed in backward, so a
// long video prompt keeps one [L, C] tensor per layer instead of every intermediate.
//
// Shape legend: B batch, L tokens, C hidden width.
import Generation
import NN
import Tensor

/// Activation recomputation on the engine's tape.
public enum Recomputation {
    /// `body(input)` without keeping its intermediates: the forward runs unrecorded, and the backward reruns it
    /// recorded and backpropagates through it. The trainable parameters `body` reads (`leaves`, graph leaves
    /// inside `Gradients.valueAndGradient`) receive their gradients directly from that rerun. `body` must be
    /// deterministic (no dropout draws).
    public static func checkpoint(_ input: Tensor, leaves: [Tensor], _ body: @escaping (Tensor) -> Tensor) -> Tensor {
        guard Autograd.isRecording, input.requiresGradient || leaves.contains(where: \.requiresGradient) else { return body(input) }
        let output = Autograd.withoutGradient { body(input) }
        let saved = input.detached()
        let inputNeedsGradient = input.requiresGradient
        return Autograd.record(output, operation: "recomputed_block", inputs: [input] + leaves) { upstream in
            let (_, gradients) = Autograd.valueAndGradient(at: ["input": saved]) { leaves in
                (body(leaves["input"]!) * upstream).sum()
            }
            return [inputNeedsGradient ? gradients["input"] : nil] + leaves.map { _ in nil }
        }
    }
}

extension QwenVLModel {
    /// `hiddenStates(tokens, caches: nil, state:)` for training with every decoder layer recomputed in backward:
    /// activation memory falls from all intermediates of all layers to one [B, L, C] input per layer plus one
    /// layer's intermediates. Same values as `hiddenStates` (the same ops in the same order).
    public func recomputingHiddenStates(_ tokens: Tensor, state: inout QwenVLState) -> Tensor {
        let (batch, length) = (tokens.shape[0], tokens.shape[1])
        precondition(batch == state.batch, "state holds \(state.batch) rows, tokens \(batch)")
        // The embedding and vision scatter of `hiddenStates` (Model.swift), then the decoder loop of QwenTextModel.
        let vision = state.prepared?.length == length ? state.prepared?.vision : nil
        let positions = state.advance(count: length)
        var hidden = languageModel.embed(tokens)                                                   // [B, L, C]
        if let vision {
            let width = hidden.shape[2]
            hidden = Tensor.concatenate([hidden.reshaped([batch * length, width]), vision.features], axis: 0)
                .indexSelected(axis: 0, indices: Tensor(indices: vision.rows, shape: [vision.rows.count]))
                .reshaped([batch, length, width])                                                  // [B, L, C]
        }
        let rotary = languageModel.rotaryTable(positions: positions)
        let mask = state.keyPaddingMask
        for layer in languageModel.layers {
            hidden = Recomputation.checkpoint(hidden, leaves: Array(layer.trainableParameters().values)) { input in
                layer(input, rotary: rotary, cache: nil, keyPaddingMask: mask)
            }
        }
        return languageModel.norm(hidden)
    }
}
