// The drawing task: a figure drawn stroke by stroke with a coloured pen. The question
// names the figure; how far the drawing has got, where it is and the pen colour are only
// in the video, so the next stroke needs both.
import Foundation

/// A figure as named points in a unit box (x right, y down) and the stroke order.
struct FigureTemplate: Sendable {
    var name: String
    var points: [(name: String, position: Point)]
    var strokes: [(Int, Int)]

    static let all: [FigureTemplate] = [
        FigureTemplate(name: "square",
                       points: [("top left corner", Point(0, 0)), ("top right corner", Point(1, 0)),
                                ("bottom right corner", Point(1, 1)), ("bottom left corner", Point(0, 1))],
                       strokes: [(0, 1), (1, 2), (2, 3), (3, 0)]),
        FigureTemplate(name: "triangle",
                       points: [("top corner", Point(0.5, 0)), ("bottom right corner", Point(1, 1)),
                                ("bottom left corner", Point(0, 1))],
                       strokes: [(2, 0), (0, 1), (1, 2)]),
        FigureTemplate(name: "house",
                       points: [("bottom left corner", Point(0, 1)), ("bottom right corner", Point(1, 1)),
                                ("top right corner", Point(1, 0.45)), ("roof peak", Point(0.5, 0)),
                                ("top left corner", Point(0, 0.45))],
                       strokes: [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]),
        FigureTemplate(name: "letter Z",
                       points: [("top left corner", Point(0, 0)), ("top right corner", Point(1, 0)),
                                ("bottom left corner", Point(0, 1)), ("bottom right corner", Point(1, 1))],
                       strokes: [(0, 1), (1, 2), (2, 3)]),
        FigureTemplate(name: "letter N",
                       points: [("bottom left corner", Point(0, 1)), ("top left corner", Point(0, 0)),
                                ("bottom right corner", Point(1, 1)), ("top right corner", Point(1, 0))],
                       strokes: [(0, 1), (1, 2), (2, 3)]),
    ]
}

extension ProceduralScenarios {
    static func drawing(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let figure = random.pick(FigureTemplate.all)
        let colour = random.pick(SynthColour.allCases)
        let size = random.uniform(0.3, 0.42)
        let center = Point(random.uniform(0.3, 0.7), random.uniform(0.38, floorY - 0.08 - size / 2))
        func place(_ point: Int) -> Point {
            let unit = figure.points[point].position
            return Point(center.x + (unit.x - 0.5) * size, center.y + (unit.y - 0.5) * size)
        }
        let drawn = random.integer(in: 1 ... figure.strokes.count - 1)
        let strokeSeconds = min(0.8, (timing.lastInputTime - 0.3) / Double(drawn))
        let start = max(0, timing.lastInputTime - 0.2 - strokeSeconds * Double(drawn))

        /// Strokes fully drawn before `count`, plus stroke `count` up to `progress`.
        func snapshot(complete count: Int, partial progress: Double, travel: Double = 1) -> SceneSnapshot {
            var strokes = (0 ..< count).map { Stroke(from: place(figure.strokes[$0].0), to: place(figure.strokes[$0].1), colour: colour) }
            var pen = count > 0 ? place(figure.strokes[count - 1].1) : place(figure.strokes[0].0)
            if count < figure.strokes.count, progress > 0 || travel < 1 {
                let (fromPoint, toPoint) = figure.strokes[count]
                let from = place(fromPoint), to = place(toPoint)
                // The pen first travels to the stroke's start if the previous stroke ended elsewhere.
                pen = pen + (from - pen) * ease(travel)
                if progress > 0 {
                    let tip = from + (to - from) * ease(progress)
                    strokes.append(Stroke(from: from, to: tip, colour: colour))
                    pen = tip
                }
            }
            return SceneSnapshot(strokes: strokes, pen: pen)
        }
        let input = { (index: Int) -> SceneSnapshot in
            let elapsed = (timing.inputTime(index) - start) / strokeSeconds
            if elapsed <= 0 { return snapshot(complete: 0, partial: 0) }
            let whole = min(Int(elapsed), drawn)
            return snapshot(complete: whole, partial: whole < drawn ? elapsed - Double(whole) : 0)
        }
        let answer = { (index: Int) -> SceneSnapshot in
            let t = Double(index + 1) / Double(SynthTiming.answerFrameCount - 2)
            return snapshot(complete: drawn, partial: (t - 0.25) / 0.7, travel: t / 0.25)
        }
        let (fromPoint, toPoint) = figure.strokes[drawn]
        let from = figure.points[fromPoint].name, to = figure.points[toPoint].name
        let wordings = distinct([
            "Draw a \(colour.name) line from the \(from) to the \(to).",
            "Draw the next \(colour.name) stroke from the \(from) to the \(to).",
            "Connect the \(from) to the \(to) with a \(colour.name) line.",
            "Continue the \(figure.name) with a \(colour.name) line from the \(from) to the \(to).",
            "Trace a \(colour.synonym) stroke joining the \(from) and the \(to).",
        ])
        let done = (0 ..< drawn).map { "\(figure.points[figure.strokes[$0].0].name) to \(figure.points[figure.strokes[$0].1].name)" }
        let question = random.pick(["How should the \(figure.name) be continued?", "What is the next stroke of the \(figure.name)?",
                                    "What should be drawn next to finish the \(figure.name)?"])
        let reasoning = "The \(colour.name) \(figure.name) has \(drawn) of its \(figure.strokes.count) strokes: \(listed(done)). "
            + "The next stroke goes from the \(from) to the \(to), in the same \(colour.name) pen."
        return SynthScenario(kind: .procedural, eventType: "drawing", background: background, timing: timing, input: input,
                             questions: [SynthQuestion(question: question, reasoning: reasoning, wordings: wordings,
                                                       future: "\(figure.name) stroke \(drawn)", answer: answer)])
    }
}
