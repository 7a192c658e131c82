// Procedural tasks ("what should be done next?"): copying a pictured tower block by
// block, sorting objects into marked bins, and drawing a figure stroke by stroke. The
// input shows the task under way; the answer shows the next step done in the same scene.
import Foundation

enum ProceduralScenarios {
    static let slots = [0.42, 0.58, 0.74, 0.9]
    static let blockHalf = 0.06

    // MARK: Stacking

    /// Blocks copied from a pictured tower. Sometimes the last move shown is a mistake,
    /// and the right next step is to undo it — only the video tells which.
    static func stacking(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let count = random.pick([3, 4])
        let order = Array(random.shuffled(SynthColour.allCases).prefix(count))
        let slotOf = random.shuffled(Array(slots.prefix(count)))  // slot of each block of `order`
        let placedAtEnd = count == 3 ? 2 : random.integer(in: 2 ... 3)
        let mistake = random.chance(0.25)
        // Moves shown in the input: blocks 1 ..< placedAtEnd, the last replaced by a wrong block on a mistake.
        var moves = Array(1 ..< placedAtEnd)
        if mistake, let last = moves.last { moves[moves.count - 1] = random.integer(in: last + 1 ... count - 1) }
        let baseX = slotOf[0]
        func stackPoint(_ level: Int) -> Point { Point(baseX, floorY - blockHalf - Double(level) * 2 * blockHalf) }
        func restPoint(_ block: Int) -> Point { Point(slotOf[block], floorY - blockHalf) }

        // Each move takes 0.9 s; moves end 0.3 s before the input ends so the last state is visible.
        let moveSeconds = 0.9
        let firstMoveStart = max(0.1, timing.lastInputTime - 0.3 - moveSeconds * Double(moves.count))
        func snapshot(at time: Double, extraMove: (block: Int, from: Point, to: Point, progress: Double)?) -> SceneSnapshot {
            var positions = (0 ..< count).map { restPoint($0) }
            positions[0] = stackPoint(0)
            for (step, block) in moves.enumerated() {
                let start = firstMoveStart + Double(step) * moveSeconds
                positions[block] = carry(from: restPoint(block), to: stackPoint(step + 1),
                                         progress: (time - start) / (moveSeconds * 0.85), lift: 0.3)
            }
            if let extra = extraMove {
                positions[extra.block] = carry(from: extra.from, to: extra.to, progress: extra.progress, lift: 0.3)
            }
            let objects = (0 ..< count).map { SynthObject(shape: .block, colour: order[$0], radius: blockHalf, position: positions[$0]) }
            return SceneSnapshot(furniture: [.towerPicture(colours: order)], objects: objects)
        }
        let input = { (index: Int) in snapshot(at: timing.inputTime(index), extraMove: nil) }
        let stacked = [0] + moves
        let shown = order.map(\.name)
        let pictureText = "The picture shows a tower of \(listed(shown)) blocks from bottom to top."
        let stackText = "The stack now holds \(listed(stacked.map { order[$0].name })) from the bottom."
        let topBlock = stacked.last ?? 0
        let progress = { (index: Int) in Double(index + 1) / Double(SynthTiming.answerFrameCount - 2) }
        let question = random.pick(["What should be done next to build the tower in the picture?",
                                    "What is the next step to copy the tower shown on the left?",
                                    "Which move comes next to finish copying the pictured tower?"])
        if mistake {
            let wrong = order[topBlock], below = order[stacked[stacked.count - 2]]
            let needed = order[stacked.count - 1]
            let wordings = distinct([
                "Take the \(wrong.name) block off the stack.",
                "Remove the \(wrong.name) block from the top of the stack.",
                "Lift the \(wrong.name) block off the \(below.name) block and put it back.",
                "The \(wrong.name) block was placed too early, so take it back down.",
                "Undo the last move by lifting the \(wrong.synonym) cube off the tower.",
            ])
            let answer = { (index: Int) in
                snapshot(at: .infinity, extraMove: (topBlock, stackPoint(stacked.count - 1), restPoint(topBlock), progress(index)))
            }
            return SynthScenario(kind: .procedural, eventType: "stacking", background: background, timing: timing, input: input,
                                 questions: [SynthQuestion(
                                    question: question,
                                    reasoning: "\(pictureText) \(stackText) The \(wrong.name) block does not belong there yet: the \(needed.name) block comes first. So the \(wrong.name) block must come off.",
                                    wordings: wordings, future: "unstack \(wrong.name)", answer: answer)])
        }
        let next = stacked.count
        let colour = order[next], top = order[topBlock]
        let wordings = distinct([
            "Put the \(colour.name) block on top of the \(top.name) block.",
            "Place the \(colour.name) block on the \(top.name) block.",
            "Stack the \(colour.name) block onto the \(top.name) one.",
            "Next, the \(colour.name) block goes on top of the stack.",
            "Lift the \(colour.synonym) cube and set it upon the \(top.synonym) cube.",
        ])
        let answer = { (index: Int) in
            snapshot(at: .infinity, extraMove: (next, restPoint(next), stackPoint(next), progress(index)))
        }
        return SynthScenario(kind: .procedural, eventType: "stacking", background: background, timing: timing, input: input,
                             questions: [SynthQuestion(
                                question: question,
                                reasoning: "\(pictureText) \(stackText) The next block in the picture is the \(colour.name) one.",
                                wordings: wordings, future: "stack \(colour.name)", answer: answer)])
    }

    // MARK: Sorting

    /// Objects sorted into two bins marked by a colour and a shape. The input demonstrates
    /// the rule; asking for the other rule gives a different future for the same clip.
    static func sorting(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let colours = Array(random.shuffled(SynthColour.allCases).prefix(2))
        let shapes = Array(random.shuffled(SynthShape.allCases).prefix(2))
        let byColour = random.chance(0.5)
        // bins[0] is on the left. An object goes left when its colour (or shape) matches bins[0].
        let binX = [0.18, 0.82]
        // The demonstrated object disagrees between the rules, so the rule is visible in the video;
        // the waiting object also disagrees, so the two rules give different futures.
        let demoColour = random.integer(in: 0 ... 1)
        let demo = (colour: demoColour, shape: 1 - demoColour)
        // Mostly a waiting object the two rules disagree on (two futures); sometimes one they agree on.
        let nextColour = random.integer(in: 0 ... 1)
        let next = (colour: nextColour, shape: random.chance(0.8) ? 1 - nextColour : nextColour)
        let sameAsDemo = next == demo
        let waitingX = [0.42, 0.58]
        let shelf = (left: 0.34, right: 0.66, top: 0.5)
        func object(_ item: (colour: Int, shape: Int), at point: Point) -> SynthObject {
            SynthObject(shape: shapes[item.shape], colour: colours[item.colour], radius: 0.05, position: point)
        }
        let restOnShelf = { (x: Double) in Point(x, shelf.top - 0.05) }
        func binFor(_ item: (colour: Int, shape: Int), colourRule: Bool) -> Int { colourRule ? item.colour : item.shape }
        let demoBin = binFor(demo, colourRule: byColour)
        let inBin = { (bin: Int, slot: Double) in Point(binX[bin] + slot, floorY - 0.05) }
        let moveSeconds = 1.0
        let moveStart = max(0.1, timing.lastInputTime - 0.3 - moveSeconds)
        let furniture: [Furniture] = [.table(left: shelf.left, right: shelf.right, top: shelf.top),
                                      .bin(x: binX[0], colour: colours[0], shape: shapes[0]),
                                      .bin(x: binX[1], colour: colours[1], shape: shapes[1])]
        let input = { (index: Int) -> SceneSnapshot in
            let demoPoint = carry(from: restOnShelf(waitingX[0]), to: inBin(demoBin, -0.06),
                                  progress: (timing.inputTime(index) - moveStart) / (moveSeconds * 0.85))
            return SceneSnapshot(furniture: furniture, objects: [object(demo, at: demoPoint), object(next, at: restOnShelf(waitingX[1]))])
        }
        func question(colourRule: Bool, text: String, reasoning: String) -> SynthQuestion {
            let bin = binFor(next, colourRule: colourRule)
            let side = bin == 0 ? "left" : "right"
            let thing = object(next, at: Point(0, 0))
            let wordings = distinct([
                "Put the \(thing.name) in the \(side) bin.",
                "Move the \(thing.name) into the \(side) bin.",
                "Place the \(thing.name) into the bin on the \(side).",
                "The \(thing.name) goes into the \(side)-hand bin.",
                "Drop the \(thing.rareName) into the \(side)-hand bin.",
            ])
            let answer = { (index: Int) -> SceneSnapshot in
                let point = carry(from: restOnShelf(waitingX[1]), to: inBin(bin, bin == demoBin ? 0.06 : 0),
                                  progress: Double(index + 1) / Double(SynthTiming.answerFrameCount - 2))
                return SceneSnapshot(furniture: furniture, objects: [object(demo, at: inBin(demoBin, -0.06)), object(next, at: point)])
            }
            return SynthQuestion(question: text, reasoning: reasoning, wordings: wordings,
                                 future: "\(thing.name) to \(side)", answer: answer)
        }
        let demoThing = object(demo, at: Point(0, 0)), nextThing = object(next, at: Point(0, 0))
        let rule = byColour ? "colour" : "shape"
        let otherRule = byColour ? "shape" : "colour"
        func because(_ colourRule: Bool) -> String {
            let bin = binFor(next, colourRule: colourRule)
            return colourRule ? "The bin marked \(colours[next.colour].name) is on the \(bin == 0 ? "left" : "right")."
                : "The bin with the \(shapes[next.shape].name) sign is on the \(bin == 0 ? "left" : "right")."
        }
        let demoSide = demoBin == 0 ? "left" : "right"
        let observed = "The \(demoThing.name) went into the \(demoSide) bin, so the objects are sorted by \(rule). "
            + "The next object is \(sameAsDemo ? "another" : "the") \(nextThing.name)."
        let factual = question(colourRule: byColour,
                               text: random.pick(["What should be done next?", "Keep sorting the same way: what comes next?",
                                                  "What is the next step of the sorting?"]),
                               reasoning: "\(observed) \(because(byColour))")
        let counter = question(colourRule: !byColour,
                               text: "What should be done next if the objects were sorted by \(otherRule) instead?",
                               reasoning: "Sorting by \(otherRule), the \(nextThing.name) goes to the bin that matches its \(otherRule). \(because(!byColour))")
        // When both rules send the object to the same bin, the counterfactual adds no new future.
        let questions = factual.future == counter.future ? [factual] : [factual, counter]
        return SynthScenario(kind: .procedural, eventType: "sorting", background: background, timing: timing,
                             input: input, questions: questions)
    }
}

/// "red, green and blue".
func listed(_ items: [String]) -> String {
    switch items.count {
    case 0: return ""
    case 1: return items[0]
    default: return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }
}
