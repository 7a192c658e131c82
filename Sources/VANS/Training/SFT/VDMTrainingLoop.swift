// The loop the VDM trainers share (VAE pretraining, text-to-video pretraining, SFT), nanoGPT's train.py order:
// resume → batch → forward → loss → backward → clip → step → log → checkpoint. Everything random in a step is
// drawn from one generator saved with each checkpoint, and the batch is a pure function of the step (BatchOrder),
// so a resumed run repeats the uninterrupted run's steps bit for bit.
import Foundation
import NN
import Tensor

/// What one optimisation step reports.
public struct VDMStepResult {
    public var loss: Tensor
    /// Extra scalars for the log (e.g. the reconstruction and KL terms).
    public var values: [String: Double] = [:]

    public init(loss: Tensor, values: [String: Double] = [:]) {
        self.loss = loss
        self.values = values
    }
}

/// One trainer's loop over a `TrainingRun`.
public struct VDMTrainingLoop {
    public var run: TrainingRun
    public var model: Module
    public var optimizer: AdamW
    public var steps: Int
    public var saveEvery: Int
    public var maximumGradientNorm: Float
    public var title: String

    public init(run: TrainingRun, model: Module, optimizer: AdamW, steps: Int, saveEvery: Int, maximumGradientNorm: Float = 1,
                title: String) {
        self.run = run
        self.model = model
        self.optimizer = optimizer
        self.steps = steps
        self.saveEvery = saveEvery
        self.maximumGradientNorm = maximumGradientNorm
        self.title = title
    }

    /// Runs steps from the resumed checkpoint (or 0) to `steps`. `loss(step, &generator)` builds the step's loss
    /// on the tape; it is called with the model's trainable parameters as graph leaves. Returns the last loss.
    @discardableResult
    public func train(seed: UInt64, progress: ((Int, Int, Double) -> Void)? = nil,
                      loss: (Int, inout RandomGenerator) throws -> VDMStepResult) throws -> Double? {
        var generator = RandomGenerator(seed: seed)
        var start = 0
        if let resumed = run.resumed {
            try model.update(parameters: resumed.tensors)
            if let state = resumed.optimizer { try optimizer.restore(state) }
            generator = resumed.generator
            start = resumed.step
        }
        var last: Double?
        for step in start..<steps {
            var result: VDMStepResult?
            let (value, gradients) = try Gradients.valueAndGradient(of: model) {
                let computed = try loss(step, &generator)
                result = computed
                return computed.loss
            }
            let (clipped, norm) = Gradients.clippedByGlobalNorm(gradients, maximumNorm: maximumGradientNorm)
            try optimizer.update(model, gradients: clipped)
            var values = result?.values ?? [:]
            values["loss"] = Double(value.item)
            values["grad_norm"] = Double(norm)
            values["lr"] = optimizer.schedule.rate(atStep: step, baseRate: optimizer.learningRate)
            try run.log(step: step + 1, values)
            last = Double(value.item)
            progress?(step + 1, steps, Double(value.item))
            if (step + 1) % max(saveEvery, 1) == 0 || step + 1 == steps {
                try run.saveCheckpoint(step: step + 1, tensors: model.trainableParameters(), optimizer: optimizer.state(),
                                       generator: generator)
                try run.writeCurves(title: title)
            }
        }
        return last
    }
}
