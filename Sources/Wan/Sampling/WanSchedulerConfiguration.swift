// Mirrors the `scheduler/scheduler_config.json` of a diffusers Wan pipeline: diffusers'
// UniPCMultistepScheduler (scheduling_unipc_multistep.py) with flow sigmas, or
// FlowMatchEulerDiscreteScheduler (scheduling_flow_match_euler_discrete.py). Options the samplers do not
// implement are refused by name rather than ignored.
import Foundation
import Support

/// The sampler a pipeline's scheduler config describes.
public enum WanSchedulerConfiguration: Sendable, Equatable {
    /// diffusers' UniPCMultistepScheduler in its flow-matching form (Wan2.1's default).
    case uniPC(UniPCSettings)
    /// diffusers' FlowMatchEulerDiscreteScheduler with a static shift.
    case euler(EulerSettings)

    /// UniPC options (the subset flow-matching Wan uses).
    public struct UniPCSettings: Sendable, Equatable {
        public var trainTimesteps = 1000
        public var shift = 1.0
        public var solverOrder = 2
        /// "bh1" or "bh2".
        public var solverType = "bh2"
        public var lowerOrderFinal = true
        /// Step indices whose corrector is skipped.
        public var disableCorrector: [Int] = []
        public init() {}
    }

    /// FlowMatchEuler options.
    public struct EulerSettings: Sendable, Equatable {
        public var trainTimesteps = 1000
        public var shift = 1.0
        public init(shift: Double = 1.0, trainTimesteps: Int = 1000) {
            self.shift = shift
            self.trainTimesteps = trainTimesteps
        }
    }

    /// Reads `scheduler_config.json` (or the directory holding it).
    public static func load(from url: URL) throws(WanError) -> WanSchedulerConfiguration {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let file = exists && isDirectory.boolValue ? url.appendingPathComponent("scheduler_config.json") : url
        let data: Data
        do { data = try UserFile.read(file.path) } catch { throw .checkpoint(.cannotOpen(file: file.path, reason: error.reason)) }
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw .unsupportedScheduler(file: file.path, key: "(document)", reason: "not a JSON object")
        }
        return try parse(json, file: file.path)
    }

    static func parse(_ json: [String: Any], file: String) throws(WanError) -> WanSchedulerConfiguration {
        func number(_ key: String, _ fallback: Double) throws(WanError) -> Double {
            guard let value = json[key], !(value is NSNull) else { return fallback }
            guard let number = value as? NSNumber else {
                throw .unsupportedScheduler(file: file, key: key, reason: "expected a number, found \(value)")
            }
            return number.doubleValue
        }
        func flag(_ key: String, _ fallback: Bool) throws(WanError) -> Bool {
            guard let value = json[key], !(value is NSNull) else { return fallback }
            guard let flag = value as? Bool else { throw .unsupportedScheduler(file: file, key: key, reason: "expected true or false, found \(value)") }
            return flag
        }
        func string(_ key: String, _ fallback: String) throws(WanError) -> String {
            guard let value = json[key], !(value is NSNull) else { return fallback }
            guard let text = value as? String else { throw .unsupportedScheduler(file: file, key: key, reason: "expected a string, found \(value)") }
            return text
        }
        func require(_ condition: Bool, _ key: String, _ reason: String) throws(WanError) {
            if !condition { throw .unsupportedScheduler(file: file, key: key, reason: reason) }
        }
        let className = try string("_class_name", "")
        let trainTimesteps = Int(try number("num_train_timesteps", 1000))
        try require(trainTimesteps > 0, "num_train_timesteps", "must be positive")
        for key in ["use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_dynamic_shifting"] {
            try require(!(try flag(key, false)), key, "is not supported by the Wan samplers")
        }
        try require(json["shift_terminal"] == nil || json["shift_terminal"] is NSNull, "shift_terminal", "is not supported by the Wan samplers")
        switch className {
        case "UniPCMultistepScheduler":
            var settings = UniPCSettings()
            settings.trainTimesteps = trainTimesteps
            try require(try flag("use_flow_sigmas", false), "use_flow_sigmas", "must be true (Wan's flow-matching UniPC)")
            try require(try string("prediction_type", "epsilon") == "flow_prediction", "prediction_type", "must be flow_prediction")
            try require(try flag("predict_x0", true), "predict_x0", "must be true")
            try require(!(try flag("thresholding", false)), "thresholding", "is not supported")
            try require(try string("final_sigmas_type", "zero") == "zero", "final_sigmas_type", "only \"zero\" is supported")
            try require(json["solver_p"] == nil || json["solver_p"] is NSNull, "solver_p", "is not supported")
            settings.shift = try number("flow_shift", 1.0)
            settings.solverOrder = Int(try number("solver_order", 2))
            try require((1...3).contains(settings.solverOrder), "solver_order", "must be 1, 2 or 3")
            settings.solverType = try string("solver_type", "bh2")
            if ["midpoint", "heun", "logrho"].contains(settings.solverType) { settings.solverType = "bh2" }  // as diffusers maps them
            try require(["bh1", "bh2"].contains(settings.solverType), "solver_type", "must be bh1 or bh2")
            settings.lowerOrderFinal = try flag("lower_order_final", true)
            if let list = json["disable_corrector"], !(list is NSNull) {
                guard let indices = list as? [Int] else { throw .unsupportedScheduler(file: file, key: "disable_corrector", reason: "expected a list of step indices") }
                settings.disableCorrector = indices
            }
            try require(settings.shift > 0, "flow_shift", "must be positive")
            return .uniPC(settings)
        case "FlowMatchEulerDiscreteScheduler":
            try require(!(try flag("invert_sigmas", false)), "invert_sigmas", "is not supported")
            try require(!(try flag("stochastic_sampling", false)), "stochastic_sampling", "is not supported")
            let shift = try number("shift", 1.0)
            try require(shift > 0, "shift", "must be positive")
            return .euler(EulerSettings(shift: shift, trainTimesteps: trainTimesteps))
        default:
            throw .unsupportedScheduler(file: file, key: "_class_name", reason: "'\(className)' is not UniPCMultistepScheduler or FlowMatchEulerDiscreteScheduler")
        }
    }
}
