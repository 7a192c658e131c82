// The flow-matching SFT objective as DiffSynth-Studio trains Wan (diffsynth/diffusion/flow_match.py
// `FlowMatchScheduler` training mode, diffsynth/diffusion/loss.py `FlowMatchSFTLoss`): a uniform index into a
// 1000-step shifted σ grid, x_σ = (1−σ)·x₀ + σ·ε, target ε − x₀, MSE optionally weighted by
// exp(−2((t−500)/1000)²) shifted to zero minimum and normalised to mean 1 over the grid.
import Foundation
import Tensor

/// One drawn training timestep.
public struct WanTrainingTimestep: Sendable, Equatable {
    /// Index into the training grid.
    public var index: Int
    public var sigma: Float
    /// σ·1000, what the model sees (fractional, as DiffSynth passes it).
    public var timestep: Float
    /// The loss weight (1 without reference weighting).
    public var weight: Float
}

/// Flow-matching loss settings and the training σ grid.
public struct WanFlowMatchingLoss: Sendable {
    /// Shift of the σ grid (1 = uniform in σ; DiffSynth's Wan recipe uses 5).
    public var shift: Double
    /// Whether to weight the loss by DiffSynth's bell-shaped timestep weights.
    public var referenceWeighting: Bool
    /// The training grid σ_i = shift(linspace(1, 0, 1001)[i]), i < 1000.
    public let sigmas: [Float]
    /// The normalised weights of the grid points.
    public let weights: [Float]

    public init(shift: Double = 5, referenceWeighting: Bool = false, gridSize: Int = 1000) {
        self.shift = shift
        self.referenceWeighting = referenceWeighting
        sigmas = FlowMatchSchedule.linspace(1, 0, gridSize + 1).dropLast().map { Float(FlowMatchSchedule.shifted($0, shift: shift)) }
        let bell = sigmas.map { Foundation.exp(-2 * Foundation.pow((Double($0) * 1000 - 500) / 1000, 2)) }
        let minimum = bell.min() ?? 0
        let total = bell.reduce(0) { $0 + ($1 - minimum) }
        weights = bell.map { Float(($0 - minimum) * Double(gridSize) / total) }
    }

    /// The timestep at grid point `index`.
    public func timestep(at index: Int) -> WanTrainingTimestep {
        WanTrainingTimestep(index: index, sigma: sigmas[index], timestep: sigmas[index] * 1000,
                            weight: referenceWeighting ? weights[index] : 1)
    }

    /// A uniformly drawn grid timestep.
    public func sampleTimestep(generator: inout RandomGenerator) -> WanTrainingTimestep {
        let draw = generator.uniform([1]).item
        return timestep(at: min(Int(draw * Float(sigmas.count)), sigmas.count - 1))
    }

    /// weight · mean((v_θ(x_σ, t) − (ε − x₀))²) over the generated latents only: reference latents (sequence
    /// conditioning) are prepended clean and their outputs dropped by the model, so they get no loss.
    public func loss(model: WanTransformer3DModel, clean: Tensor, noise: Tensor, at timestep: WanTrainingTimestep,
                     context: Tensor, references: Tensor? = nil) throws(WanError) -> Tensor {
        guard clean.shape == noise.shape else {
            throw .invalidInput(name: "noise", reason: "shape \(noise.shape) differs from the clean latents' \(clean.shape)")
        }
        let noisy = clean * (1 - timestep.sigma) + noise * timestep.sigma
        let prediction = try model(noisy, timesteps: [timestep.timestep], context: context, references: references)
        let target = noise - clean
        return (prediction - target).square().mean() * timestep.weight
    }
}
