// The optimisation loop both VLM trainers share (pretraining: all weights; SFT: LoRA adapters), in the shape of
// transformers' Trainer.training_step: a batch's summed answer-token cross-entropy divided by its answer-token
// count, backward, clip_grad_norm_, AdamW step — logged and checkpointed through TrainingRun so runs resume exactly.
import Foundation
import NN
import QwenVL
import Support
import Tensor

/// What one VLM training session does: steps, batch, clipping and when to save.
public struct VLMTrainingLoop {
    /// Steps to reach (a resumed run continues from its checkpoint up to this).
    public var steps: Int
    /// Examples per step.
    public var batch: Int
    /// The data-order seed (``BatchOrder``).
    public var seed: UInt64
    /// clip_grad_norm_'s maximum (transformers' `max_grad_norm`, 1.0).
    public var maximumGradientNorm: Float = 1
    /// Save a checkpoint every this many steps (and always at the last step).
    public var saveEvery: Int
    /// Stop after this step even if `steps` is higher (tests use it to imitate a killed run).
    public var stopAfter: Int?

    public init(steps: Int, batch: Int, seed: UInt64, saveEvery: Int) {
        self.steps = steps
        self.batch = batch
        self.seed = seed
        self.saveEvery = saveEvery
    }

    /// Trains `model`'s trainable parameters on `examples`, logging `loss`, `lr`, `grad_norm` and `tokens` per
    /// step into `run`. Restores the model, optimizer and generator from `run.resumed` first. `afterUpdate` runs
    /// after each optimizer step (re-tying the head). Returns the logged losses of this session.
    @discardableResult
    public func train(model: QwenVLModel, examples: [QwenVLTrainingExample], optimizer: AdamW, run: TrainingRun,
                      title: String, recompute: Bool = false, afterUpdate: () throws -> Void = {},
                      progress: ProgressBar? = nil) throws -> [Double] {
        let order = try BatchOrder(count: examples.count, batchSize: batch, seed: seed)
        var generator = RandomGenerator(seed: seed)
        var start = 0
        if let checkpoint = run.resumed {
            try model.update(parameters: checkpoint.tensors)
            if let state = checkpoint.optimizer { try optimizer.restore(state) }
            generator = checkpoint.generator
            try afterUpdate()
            start = checkpoint.step
        }
        progress?.advance(by: start)
        var losses: [Double] = []
        let last = min(steps, stopAfter ?? steps)
        var step = start
        while step < last {
            let picked = order.indices(step: step).map { examples[$0] }
            let tokenCount = picked.reduce(0) { $0 + $1.answerIDs.count }
            let (value, gradients) = try Gradients.valueAndGradient(of: model) {
                var total: Tensor?
                for example in picked {
                    let (sum, _) = try model.answerLoss(example, recompute: recompute)
                    total = total.map { $0 + sum } ?? sum
                }
                return total! / Float(tokenCount)
            }
            let (clipped, norm) = Gradients.clippedByGlobalNorm(gradients, maximumNorm: maximumGradientNorm)
            let rate = optimizer.schedule.rate(atStep: optimizer.stepCount, baseRate: optimizer.learningRate)
            try optimizer.update(model, gradients: clipped)
            try afterUpdate()
            step += 1
            let loss = Double(value.item)
            losses.append(loss)
            try run.log(step: step, ["loss": loss, "lr": rate, "grad_norm": Double(norm), "tokens": Double(tokenCount)])
            progress?.advance(by: 1)
            if step % max(1, saveEvery) == 0 || step == last {
                try run.saveCheckpoint(step: step, tensors: model.trainableParameters().mapValues { $0.detached() },
                                       optimizer: optimizer.state(), generator: generator)
                try run.writeCurves(title: title)
            }
        }
        progress?.finish()
        return losses
    }
}
