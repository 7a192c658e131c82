// Runs a predictive scene through its input and through each question's future, and
// writes the reasoning and captions from what happened.
import Foundation

extension PredictiveScenarios {
    static func snapshot(_ world: PhysicsWorld) -> SceneSnapshot {
        SceneSnapshot(furniture: world.furniture, objects: world.bodies.filter { !$0.gone }.map(\.object))
    }

    /// Simulates the input, then the factual future and every counterfactual one; keeps
    /// only questions whose futures differ from those already kept.
    static func build(eventType: String, world initial: PhysicsWorld, focus: Int, timing: SynthTiming,
                      background: SynthBackground, interventions: [Intervention], entering: Side? = nil,
                      random: inout SynthRandom) -> SynthScenario {
        var world = initial
        var inputFrames: [SceneSnapshot] = []
        for index in 0 ..< timing.inputFrameCount {
            _ = world.advance(to: timing.inputTime(index))
            inputFrames.append(snapshot(world))
        }
        let last = world
        let focusObject = last.bodies[focus].object
        let factual = Intervention(question: random.pick(factualQuestions), premise: "") { _ in }
        var questions: [SynthQuestion] = []
        var futures = Set<String>()
        for (number, intervention) in ([factual] + interventions).enumerated() {
            var future = last
            intervention.apply(&future)
            let start = future
            var frames: [SceneSnapshot] = []
            var events: [PhysicsEvent] = []
            for index in 0 ..< SynthTiming.answerFrameCount {
                events += future.advance(to: timing.answerTime(index))
                frames.append(snapshot(future))
            }
            var found = outcomes(of: focus, events: events, start: start, end: future)
            if let entering { found = [.entersView(entering)] + found.prefix(1) }
            let wordings = predictiveWordings(focus: focusObject, outcomes: found)
            guard futures.insert(wordings[0]).inserted else { continue }
            let conclusion = wordings[0].prefix(1).lowercased() + wordings[0].dropFirst()
            var situation = surroundings(of: focus, in: start)
            if number > 0 {
                // The premise opens the sentence ("Without the wall on the left, there is …").
                situation = intervention.premise + " " + situation.prefix(1).lowercased() + situation.dropFirst()
            }
            // What the video shows comes first; the hypothetical then changes what lies ahead.
            let reasoning = describe(focus: focus, in: last, entering: entering) + " " + situation + " So " + conclusion
            questions.append(SynthQuestion(question: intervention.question, reasoning: reasoning, wordings: wordings,
                                           future: wordings[0], answer: { frames[$0] }))
        }
        return SynthScenario(kind: .predictive, eventType: eventType, background: background, timing: timing,
                             input: { inputFrames[$0] }, questions: questions)
    }

    /// "The red ball is rolling to the right along the floor."
    static func describe(focus: Int, in world: PhysicsWorld, entering: Side?) -> String {
        let body = world.bodies[focus]
        let name = body.object.name
        if let entering { return "A \(name) is coming into view from the \(entering)." }
        let moving = abs(body.velocity.x) > 0.03
        let direction: Side = body.velocity.x < 0 ? .left : .right
        let verb = body.object.shape == .ball ? "rolling" : "sliding"
        if body.onTable {
            return moving ? "The \(name) is \(verb) to the \(direction) along the table." : "The \(name) lies on the table."
        }
        if body.object.position.y + body.object.radius < floorY - 0.02 || abs(body.velocity.y) > 0.1 {
            return moving ? "The \(name) is bouncing and drifting to the \(direction)." : "The \(name) is bouncing in place."
        }
        return moving ? "The \(name) is \(verb) to the \(direction) along the floor." : "The \(name) is standing still."
    }

    /// What lies ahead of the focus body in its direction of motion.
    static func surroundings(of focus: Int, in world: PhysicsWorld) -> String {
        let body = world.bodies[focus]
        let velocity = body.velocity.x
        guard abs(velocity) > 0.03 else { return "Nothing pushes it sideways." }
        let side: Side = velocity < 0 ? .left : .right
        let x = body.object.position.x
        let ahead = world.bodies.enumerated()
            .filter { $0.offset != focus && !$0.element.gone && ($0.element.object.position.x - x) * side.sign > 0
                && abs($0.element.object.position.y - body.object.position.y) < 0.12 }
            .min { abs($0.element.object.position.x - x) < abs($1.element.object.position.x - x) }
        if world.table != nil, body.onTable {
            let below = ahead.map { "and the \($0.element.object.name) is in the way" } ?? "with nothing in the way"
            return "The table ends on the \(side), \(below)."
        }
        if let ahead {
            let other = ahead.element
            let heavier = other.object.radius > body.object.radius ? " It is bigger than the \(body.object.name)."
                : other.object.radius < body.object.radius ? " It is smaller than the \(body.object.name)." : ""
            return "The \(other.object.name) is ahead on the \(side)\(other.velocity.x == 0 ? ", standing still" : ", moving")." + heavier
        }
        if world.walls.contains(side) { return "There is a wall on the \(side)." }
        return "Nothing stands in its way on the \(side)."
    }
}
