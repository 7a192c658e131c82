// The one place the front ends (answer, demo, eval, serve) turn model directories into pipeline stages.
import Foundation
import VANS

enum PipelineStages {
    /// The reasoner for a VLM directory (Qwen2.5-VL layout, optional `adapter/`, optional `vans_profile.json`).
    static func reasoner(directory: URL) throws -> QwenVLReasoner {
        try QwenVLReasoner(directory: directory)
    }

    /// The renderer for a VDM directory (a diffusers Wan pipeline directory, optional `vans_profile.json`).
    static func renderer(directory: URL) throws -> WanAnswerRenderer {
        try WanAnswerRenderer(directory: directory)
    }

    /// Both stages as one pipeline; the VLM's profile sets the default answer length.
    static func pipeline(vlm: URL, vdm: URL) throws -> VANSPipeline {
        VANSPipeline(reasoner: try reasoner(directory: vlm), renderer: try renderer(directory: vdm))
    }
}
