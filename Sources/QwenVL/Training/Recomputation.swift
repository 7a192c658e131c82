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
    /// activation memory falls from all intermediates of all layers to one [B, L, C] input per layer plus, during
    /// one layer's backward, its attention block's intermediates and one `sequenceChunk`-token slice of its MLP's
    /// (the MLP is position-wise, so its recomputation is split along the sequence). Same values as `hiddenStates`.
    public func recomputingHiddenStates(_ tokens: Tensor, state: inout QwenVLState, sequenceChunk: Int = 4096) -> Tensor {
        let (batch, length) = (tokens.shape[0], tokens.shape[1])
        precondition(batch == state.batch, "state holds \(state.batch) rows, tokens \(batch)")
        // The embedding and vision scatter of `hiddenStates` (Model.swift), then the decoder loop of QwenTextModel.
        let vision = state.prepared?.length == length ? state.prepared?.vision : nil
        let positions = state.advance(count: length)
        var hidden = inputEmbeddings(tokens, vision: vision)                                       // [B, L, C]
        let rotary = languageModel.rotaryTable(positions: positions)
        let mask = state.keyPaddingMask
        let chunk = max(1, sequenceChunk)
        for layer in languageModel.layers {
            // One saved [B, L, C] input per layer. Its backward reruns QwenDecoderLayer's two residual halves
            // (TextModel.swift): the attention half recorded, the position-wise MLP half as nested checkpoints of
            // `chunk` tokens, so at most one chunk's MLP intermediates exist at a time.
            let feedForwardLeaves = Array(layer.feedForward.trainableParameters().values)
                + Array(layer.postAttentionNorm.trainableParameters().values)
            hidden = Recomputation.checkpoint(hidden, leaves: Array(layer.trainableParameters().values)) { input in
                let attended = input + layer.attention(layer.inputNorm(input), rotary: rotary, cache: nil, causal: true,
                                                       keyPaddingMask: mask)                          // [B, L, C]
                let pieces = stride(from: 0, to: length, by: chunk).map { start in
                    Recomputation.checkpoint(attended.sliced(axis: 1, start: start, end: min(start + chunk, length)),
                                             leaves: feedForwardLeaves) { slice in                    // [B, ≤chunk, C]
                        slice + layer.feedForward(layer.postAttentionNorm(slice))
                    }
                }
                return pieces.count == 1 ? pieces[0] : Tensor.concatenate(pieces, axis: 1)           // [B, L, C]
            }
        }
        return languageModel.norm(hidden)
    }
}
