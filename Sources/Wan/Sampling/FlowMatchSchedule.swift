// The shifted flow-matching sigma schedules exactly as diffusers builds them: UniPCMultistepScheduler's
// `set_timesteps` with `use_flow_sigmas` (integer timesteps, the first sigma nudged below 1) and
// FlowMatchEulerDiscreteScheduler's (fractional timesteps, shift applied to an already shifted range).
import Foundation

/// σ_0 > … > σ_{N−1} > σ_N = 0 and the N timesteps the model sees, in float32 as diffusers stores them.
public struct FlowMatchSchedule: Sendable, Equatable {
    /// N + 1 sigmas, the last 0.
    public var sigmas: [Float]
    /// N timesteps (integers for UniPC, fractional for Euler).
    public var timesteps: [Float]

    public var steps: Int { timesteps.count }

    /// A schedule from explicit values (N + 1 sigmas ending in 0, N timesteps).
    public init(sigmas: [Float], timesteps: [Float]) {
        self.sigmas = sigmas
        self.timesteps = timesteps
    }

    /// The shift σ ↦ S·σ / (1 + (S − 1)·σ).
    public static func shifted(_ sigma: Double, shift: Double) -> Double { shift * sigma / (1 + (shift - 1) * sigma) }

    /// UniPC with flow sigmas: σ = shift(linspace(1, 1/T, N+1)[:-1]) in float64, σ_0 −= 1e-6 when it is 1,
    /// timesteps int64(σ·T), then σ stored in float32 with 0 appended.
    ///
    /// The reference note's 0.999·(1 − k/N) grid is the official code's; diffusers (what `WanPipeline` runs) uses this one.
    public static func uniPC(steps: Int, shift: Double, trainTimesteps: Int = 1000) -> FlowMatchSchedule {
        let count = Double(trainTimesteps)
        var sigmas = linspace(1, 1 / count, steps + 1).dropLast().map { shifted($0, shift: shift) }
        if let first = sigmas.first, abs(first - 1) < 1e-6 { sigmas[0] = first - 1e-6 }
        let timesteps = sigmas.map { Float(Int64(($0 * count).rounded(.towardZero))) }
        return FlowMatchSchedule(sigmas: sigmas.map { Float($0) } + [0], timesteps: timesteps)
    }

    /// FlowMatchEuler with a static shift: its training grid σ = shift(t/T), t = 1…T in float32, bounds the
    /// inference grid linspace(σ_max·T, σ_min·T, N)/T, which is shifted again; timesteps = σ·T in float32.
    public static func euler(steps: Int, shift: Double, trainTimesteps: Int = 1000) -> FlowMatchSchedule {
        let count = Float(trainTimesteps)
        func trainingSigma(_ t: Float) -> Float {
            let s = t / count
            return Float(shift) * s / (1 + Float(shift - 1) * s)
        }
        let sigmaMax = Double(trainingSigma(count)), sigmaMin = Double(trainingSigma(1))
        let sigmas = linspace(sigmaMax * Double(count), sigmaMin * Double(count), steps)
            .map { Float(shifted($0 / Double(count), shift: shift)) }
        return FlowMatchSchedule(sigmas: sigmas + [0], timesteps: sigmas.map { $0 * count })
    }

    /// numpy.linspace(start, stop, count) in float64.
    static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : start + Double($0) * step }
    }
}
