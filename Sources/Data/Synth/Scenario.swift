// What a scene generator produces: an input clip, and one or more questions about it,
// each with its own reasoning, wordings and future. The multi-future setting of the paper
// is a scenario with several questions whose futures differ.
import Foundation

/// A pen stroke of the drawing task.
struct Stroke: Equatable, Sendable {
    var from: Point
    var to: Point
    var colour: SynthColour
}

/// Everything visible at one instant.
struct SceneSnapshot: Equatable, Sendable {
    var furniture: [Furniture] = []
    var objects: [SynthObject] = []
    var strokes: [Stroke] = []
    /// The drawing task's pen tip, drawn last.
    var pen: Point?
}

/// Frame timing shared by the input clip and its answers.
public struct SynthTiming: Sendable, Equatable {
    /// Frames of the answer clip: 4k+1 as Wan's VAE needs (17 = 2.125 s at 8 fps).
    public static let answerFrameCount = 17

    public var fps: Double
    public var inputFrameCount: Int

    /// Time of input frame `index` (the input starts at 0).
    func inputTime(_ index: Int) -> Double { Double(index) / fps }
    /// Time of answer frame `index`: the answer continues right after the input's last frame.
    func answerTime(_ index: Int) -> Double { Double(inputFrameCount + index) / fps }
    /// The instant of the input's last frame.
    var lastInputTime: Double { inputTime(inputFrameCount - 1) }
    /// Seconds from the input's last frame to the answer's last frame.
    var answerSpan: Double { Double(Self.answerFrameCount) / fps }
}

/// One question about a scenario's input and the future it leads to.
struct SynthQuestion {
    var question: String
    var reasoning: String
    /// Correct wordings of the answer, plainest first; sampled with a skewed distribution.
    var wordings: [String]
    /// A canonical description of the future, equal only when two futures are the same.
    var future: String
    /// The scene at answer frame `index` (0 ..< 17).
    var answer: (Int) -> SceneSnapshot
}

/// One input clip with its questions.
struct SynthScenario {
    var kind: SampleKind
    var eventType: String
    var background: SynthBackground
    var timing: SynthTiming
    /// The scene at input frame `index`.
    var input: (Int) -> SceneSnapshot
    var questions: [SynthQuestion]
}

extension Canvas {
    /// Renders a snapshot over a background.
    mutating func render(_ snapshot: SceneSnapshot, background: SynthBackground) {
        fillBackground(top: background.top, bottom: background.bottom, floor: background.floor, floorY: floorY)
        for item in snapshot.furniture { draw(item) }
        for stroke in snapshot.strokes {
            line(from: stroke.from, to: stroke.to, width: 0.03, colour: stroke.colour.rgb)
        }
        for object in snapshot.objects { draw(object) }
        for item in snapshot.furniture { drawFront(item) }
        if let pen = snapshot.pen {
            circle(center: pen, radius: 0.022, colour: RGB(40, 40, 40))
        }
    }
}

/// Picks the caption among `wordings`: the plainest is most likely, rarer ones less so
/// (weights 1/(rank+1)^2, roughly 0.64, 0.16, 0.07, 0.04 … for five wordings).
func skewedWordingIndex(count: Int, random: inout SynthRandom) -> Int {
    var weights: [Double] = []
    for rank in 0 ..< count {
        let place = Double(rank + 1)
        weights.append(1 / (place * place))
    }
    return random.weightedIndex(weights)
}

/// Removes repeated wordings while keeping the plain-to-rare order.
func distinct(_ wordings: [String]) -> [String] {
    var seen = Set<String>()
    return wordings.filter { seen.insert($0).inserted }
}

/// Smooth 0 → 1 easing used by the hand-moved objects of procedural tasks.
func ease(_ t: Double) -> Double {
    let u = min(max(t, 0), 1)
    return u * u * (3 - 2 * u)
}

/// Position along a lift-carry-lower arc from `start` to `end` at progress `t`.
func carry(from start: Point, to end: Point, progress t: Double, lift: Double = 0.18) -> Point {
    let u = ease(t)
    let height = min(start.y, end.y) - lift
    // Up, across, down: a parabola through the raised midpoint.
    let x = start.x + (end.x - start.x) * u
    let baseline = start.y + (end.y - start.y) * u
    let arch = 4 * u * (1 - u) * (min(start.y, end.y) - height)
    return Point(x, baseline - arch)
}
