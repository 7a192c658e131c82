// The one place the front ends (answer, demo, eval, serve) turn model directories into pipeline stages.
import Foundation
import VANS

enum PipelineFactory {
    /// The reasoner for a VLM directory (Qwen2.5-VL layout, optional `adapter/`, optional `vans_profile.json`).
    static func reasoner(directory: URL) throws -> any NextEventReasoner {
        throw PipelineError.modelDirectory(path: directory.path, reason: "the Qwen2.5-VL reasoner is not wired in yet")
    }

    /// The renderer for a VDM directory (a diffusers Wan pipeline directory, optional `vans_profile.json`).
    static func renderer(directory: URL) throws -> any AnswerRenderer {
        throw PipelineError.modelDirectory(path: directory.path, reason: "the Wan renderer is not wired in yet")
    }
}
