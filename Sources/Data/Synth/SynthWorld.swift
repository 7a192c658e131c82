// VANS-Synth: a deterministic synthetic world for video next-event prediction.
//
// World. A square view (64×64 by default, up to 112) of a pale room: a sky gradient, a
// floor at 86 % of the height, and one of five backgrounds. Objects are balls, blocks and
// triangles in six colours (red, orange, yellow, green, blue, purple) and two sizes;
// furniture is walls, a table, marked sorting bins and a pictured tower. Everything is
// drawn anti-aliased from signed distance functions, so frames resize meaningfully.
//
// Events. Procedural (what should be done next?):
//   stacking — copy a pictured tower; the input shows blocks being stacked (sometimes a
//              wrong one, which must then come off), the answer the next move;
//   sorting  — two bins marked by a colour and a shape; the input shows one object sorted,
//              which reveals the rule; a second question asks for the other rule;
//   drawing  — a figure (square, triangle, house, letters Z and N) drawn stroke by stroke.
// Predictive (what happens next? what if…?), run by a small physics engine:
//   rolling, collision, bouncing, falling (off a table) and entering (from off screen),
//   each with counterfactual questions (reverse a motion, remove an object or a wall,
//   stop or throw something). Questions about one clip whose futures coincide are dropped,
//   so the questions kept on one input video all lead to different futures.
//
// What makes it learnable. Questions name a task or a hypothetical but never the answer:
// colours, order, positions, how far a task has got and what stands where are only in the
// video, so the answer needs the video and the question together. The answer video
// continues the same world from the input's last frame (same background, objects, colours
// and positions), so visual consistency can be measured.
//
// Wording. Each answer has up to five correct wordings, from plain to rare (other verbs
// and connectors, then rarer names such as "crimson sphere" for "red ball"); the caption
// is drawn with weights 1/(rank+1)², so most captions are plain and some are rare.
//
// Determinism. A scene is a pure function of its 64-bit scene seed, the frame rate and
// the size; captions use a seed derived from it. Scene seeds carry the split in bit 63
// (train 0, eval 1), so the splits can never share one, and the kind in bit 62.
import Foundation

/// Which split a dataset is for; train and eval scene seeds are disjoint by construction.
public enum SynthSplit: String, Sendable, CaseIterable {
    case train, eval
}

/// One question about a rendered scene, with its answer caption and video frames.
public struct SynthRenderedQuestion: Sendable {
    public var question: String
    public var reasoning: String
    /// The caption drawn for this sample (one of `alternatives`).
    public var caption: String
    /// Every correct wording, plainest first.
    public var alternatives: [String]
    /// Equal for two questions only when their futures are the same.
    public var future: String
    /// 17 frames continuing the input.
    public var answerFrames: [SynthFrame]
}

/// A rendered scene: the input clip and every question asked about it.
public struct SynthRenderedScene: Sendable {
    public var sceneSeed: UInt64
    public var kind: SampleKind
    public var eventType: String
    public var fps: Double
    public var inputFrames: [SynthFrame]
    public var questions: [SynthRenderedQuestion]
}

public enum SynthWorld {
    /// The event types of each kind.
    public static let eventTypes: [SampleKind: [String]] = [
        .procedural: ["stacking", "sorting", "drawing"],
        .predictive: ["rolling", "collision", "bouncing", "falling", "entering"],
    ]
    /// Allowed frame sizes (square): small enough for CPU training, multiples of 16 for Wan.
    public static let sizes = 16 ... 112

    private static let splitBit: UInt64 = 1 << 63
    private static let kindBit: UInt64 = 1 << 62

    /// The seed of scene `index` of `kind` in `split` of a dataset generated with `seed`.
    public static func sceneSeed(split: SynthSplit, seed: UInt64, kind: SampleKind, index: Int) -> UInt64 {
        let mixed = SynthRandom.derive(seed, kind == .procedural ? 1 : 2, UInt64(index)) & ~(splitBit | kindBit)
        return mixed | (split == .eval ? splitBit : 0) | (kind == .predictive ? kindBit : 0)
    }

    /// The split a scene seed belongs to.
    public static func split(ofSceneSeed seed: UInt64) -> SynthSplit { seed & splitBit != 0 ? .eval : .train }

    /// The kind a scene seed belongs to.
    public static func kind(ofSceneSeed seed: UInt64) -> SampleKind { seed & kindBit != 0 ? .predictive : .procedural }

    /// Builds a scene's description (no pixels yet).
    static func scenario(sceneSeed: UInt64, fps: Double, eventType forcedEvent: String? = nil) -> SynthScenario {
        var random = SynthRandom(seed: sceneSeed)
        let kind = kind(ofSceneSeed: sceneSeed)
        let drawn = random.pick(eventTypes[kind] ?? [])
        let event = forcedEvent ?? drawn
        let seconds = random.pick([2.0, 2.5, 3.0])
        let timing = SynthTiming(fps: fps, inputFrameCount: max(Int((seconds * fps).rounded()), 2))
        let background = random.pick(SynthBackground.all)
        switch event {
        case "stacking": return ProceduralScenarios.stacking(&random, timing: timing, background: background)
        case "sorting": return ProceduralScenarios.sorting(&random, timing: timing, background: background)
        case "drawing": return ProceduralScenarios.drawing(&random, timing: timing, background: background)
        case "rolling": return PredictiveScenarios.rolling(&random, timing: timing, background: background)
        case "collision": return PredictiveScenarios.collision(&random, timing: timing, background: background)
        case "bouncing": return PredictiveScenarios.bouncing(&random, timing: timing, background: background)
        case "falling": return PredictiveScenarios.falling(&random, timing: timing, background: background)
        default: return PredictiveScenarios.entering(&random, timing: timing, background: background)
        }
    }

    /// How many questions (samples) a scene yields, without rendering it.
    public static func questionCount(sceneSeed: UInt64, fps: Double) -> Int {
        scenario(sceneSeed: sceneSeed, fps: fps).questions.count
    }

    /// Renders a scene: its input clip and, for each question, the caption and answer clip.
    /// - Parameters:
    ///   - eventType: forces an event type of the seed's kind (tests use it); nil draws one from the seed.
    public static func render(sceneSeed: UInt64, size: Int = 64, fps: Double = 8, eventType: String? = nil) -> SynthRenderedScene {
        precondition(sizes.contains(size) && fps > 0, "size and fps are validated by the caller")
        let scenario = scenario(sceneSeed: sceneSeed, fps: fps, eventType: eventType)
        func frame(_ snapshot: SceneSnapshot) -> SynthFrame {
            var canvas = Canvas(size: size)
            canvas.render(snapshot, background: scenario.background)
            return canvas.frame()
        }
        let inputFrames = (0 ..< scenario.timing.inputFrameCount).map { frame(scenario.input($0)) }
        let questions = scenario.questions.enumerated().map { number, question -> SynthRenderedQuestion in
            var random = SynthRandom(seed: SynthRandom.derive(sceneSeed, UInt64(number), 0xCA97))
            let caption = question.wordings[skewedWordingIndex(count: question.wordings.count, random: &random)]
            return SynthRenderedQuestion(question: question.question, reasoning: question.reasoning, caption: caption,
                                         alternatives: question.wordings, future: question.future,
                                         answerFrames: (0 ..< SynthTiming.answerFrameCount).map { frame(question.answer($0)) })
        }
        return SynthRenderedScene(sceneSeed: sceneSeed, kind: scenario.kind, eventType: scenario.eventType, fps: fps,
                                  inputFrames: inputFrames, questions: questions)
    }
}
