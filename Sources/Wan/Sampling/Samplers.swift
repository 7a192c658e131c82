// The denoising update rules over a flow-matching schedule: diffusers' FlowMatchEulerDiscreteScheduler.step
// (x ← x + (σ_{k+1} − σ_k)·v) and UniPCMultistepScheduler.step (flow prediction, B(h) predictor + corrector,
// scheduling_unipc_multistep.py `multistep_uni_p_bh_update` / `multistep_uni_c_bh_update`).
import Foundation
import Tensor

/// A sampler walking one schedule: call `step` once per timestep, in order, with the model's velocity.
public protocol FlowMatchSampler {
    /// The schedule walked.
    var schedule: FlowMatchSchedule { get }
    /// The next sample from `sample` [any shape, float32] and the velocity predicted at step `index`.
    mutating func step(velocity: Tensor, sample: Tensor) -> Tensor
}

/// diffusers' FlowMatchEulerDiscreteScheduler (deterministic): x_{k+1} = x_k + (σ_{k+1} − σ_k)·v_k.
public struct EulerSampler: FlowMatchSampler {
    public let schedule: FlowMatchSchedule
    /// The step the next `step` call takes.
    public private(set) var index = 0

    public init(schedule: FlowMatchSchedule) { self.schedule = schedule }

    public mutating func step(velocity: Tensor, sample: Tensor) -> Tensor {
        precondition(index < schedule.steps, "Euler sampler stepped past its \(schedule.steps) steps")
        let delta = schedule.sigmas[index + 1] - schedule.sigmas[index]
        index += 1
        return sample.converted(to: .float32) + velocity.converted(to: .float32) * delta
    }
}

/// diffusers' UniPCMultistepScheduler for flow matching (α = 1 − σ, x₀ = x − σ·v): the UniP predictor of
/// order ≤ `solverOrder` and, from the second step on, the UniC corrector of the previous order.
/// Scalar coefficients are computed in float64.
public struct UniPCSampler: FlowMatchSampler {
    public let schedule: FlowMatchSchedule
    public let settings: WanSchedulerConfiguration.UniPCSettings
    public private(set) var index = 0
    /// Converted model outputs (x₀ predictions) of the last `solverOrder` steps, oldest first.
    private var modelOutputs: [Tensor] = []
    private var lastSample: Tensor?
    private var lowerOrderCount = 0
    private var thisOrder = 0

    public init(schedule: FlowMatchSchedule, settings: WanSchedulerConfiguration.UniPCSettings) {
        self.schedule = schedule
        self.settings = settings
    }

    private func lambda(_ i: Int) -> Double {
        let sigma = Double(schedule.sigmas[i])
        return Foundation.log(1 - sigma) - Foundation.log(sigma)
    }

    /// The B(h) coefficient vector b and matrix R rows for `rks` (each r_k, the last 1).
    private func coefficients(rks: [Double], hh: Double, order: Int) -> (rows: [[Double]], b: [Double], hPhi1: Double, bh: Double) {
        let hPhi1 = Foundation.expm1(hh)
        var hPhiK = hPhi1 / hh - 1
        var factorial = 1.0
        let bh = settings.solverType == "bh1" ? hh : Foundation.expm1(hh)
        var rows: [[Double]] = [], b: [Double] = []
        for i in 1...order {
            rows.append(rks.map { Foundation.pow($0, Double(i - 1)) })
            b.append(hPhiK * factorial / bh)
            factorial *= Double(i + 1)
            hPhiK = hPhiK / hh - 1 / factorial
        }
        return (rows, b, hPhi1, bh)
    }

    public mutating func step(velocity: Tensor, sample: Tensor) -> Tensor {
        precondition(index < schedule.steps, "UniPC sampler stepped past its \(schedule.steps) steps")
        var sample = sample.converted(to: .float32)
        let sigma = schedule.sigmas[index]
        let converted = sample - velocity.converted(to: .float32) * sigma  // x₀ prediction
        if index > 0, !settings.disableCorrector.contains(index - 1), let lastSample {
            sample = corrector(modelOutput: converted, lastSample: lastSample, order: thisOrder)
        }
        modelOutputs.append(converted)
        if modelOutputs.count > settings.solverOrder { modelOutputs.removeFirst() }
        let order = settings.lowerOrderFinal ? min(settings.solverOrder, schedule.steps - index) : settings.solverOrder
        thisOrder = min(order, lowerOrderCount + 1)
        lastSample = sample
        let next = predictor(sample: sample, order: thisOrder)
        if lowerOrderCount < settings.solverOrder { lowerOrderCount += 1 }
        index += 1
        return next
    }

    /// UniP: x_t = (σ_t/σ_s0)·x − α_t·hφ₁·m0 − α_t·B(h)·Σ ρ_k·D1_k.
    private func predictor(sample x: Tensor, order: Int) -> Tensor {
        let m0 = modelOutputs[modelOutputs.count - 1]
        let sigmaT = Double(schedule.sigmas[index + 1]), sigmaS0 = Double(schedule.sigmas[index])
        let alphaT = 1 - sigmaT
        let h = lambda(index + 1) - lambda(index)
        var rks: [Double] = [], differences: [Tensor] = []
        for i in 1..<max(order, 1) {
            let rk = (lambda(index - i) - lambda(index)) / h
            rks.append(rk)
            differences.append((modelOutputs[modelOutputs.count - 1 - i] - m0) * Float(1 / rk))
        }
        rks.append(1)
        let (rows, b, hPhi1, bh) = coefficients(rks: rks, hh: -h, order: order)
        var result = x * Float(sigmaT / sigmaS0) - m0 * Float(alphaT * hPhi1)
        if !differences.isEmpty {
            let rhos = order == 2 ? [0.5] : Self.solve(Array(rows.dropLast().map { Array($0.dropLast()) }), Array(b.dropLast()))
            var residual = differences[0] * Float(rhos[0])
            for k in 1..<differences.count { residual = residual + differences[k] * Float(rhos[k]) }
            result = result - residual * Float(alphaT * bh)
        }
        return result
    }

    /// UniC: corrects this step's sample with the model output just computed at it.
    private func corrector(modelOutput: Tensor, lastSample x: Tensor, order: Int) -> Tensor {
        let m0 = modelOutputs[modelOutputs.count - 1]
        let sigmaT = Double(schedule.sigmas[index]), sigmaS0 = Double(schedule.sigmas[index - 1])
        let alphaT = 1 - sigmaT
        let h = lambda(index) - lambda(index - 1)
        var rks: [Double] = [], differences: [Tensor] = []
        for i in 1..<max(order, 1) {
            let rk = (lambda(index - 1 - i) - lambda(index - 1)) / h
            rks.append(rk)
            differences.append((modelOutputs[modelOutputs.count - 1 - i] - m0) * Float(1 / rk))
        }
        rks.append(1)
        let (rows, b, hPhi1, bh) = coefficients(rks: rks, hh: -h, order: order)
        let rhos = order == 1 ? [0.5] : Self.solve(rows, b)
        var correction = (modelOutput - m0) * Float(rhos[rhos.count - 1])
        for k in 0..<differences.count { correction = correction + differences[k] * Float(rhos[k]) }
        return x * Float(sigmaT / sigmaS0) - m0 * Float(alphaT * hPhi1) - correction * Float(alphaT * bh)
    }

    /// Solves the small dense system `matrix`·ρ = `vector` by Gaussian elimination with partial pivoting.
    static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double] {
        var a = matrix, y = vector
        let n = y.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            y.swapAt(column, pivot)
            for row in (column + 1)..<n where a[column][column] != 0 {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                y[row] -= factor * y[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            let sum = ((row + 1)..<n).reduce(0) { $0 + a[row][$1] * x[$1] }
            x[row] = (y[row] - sum) / a[row][row]
        }
        return x
    }
}
