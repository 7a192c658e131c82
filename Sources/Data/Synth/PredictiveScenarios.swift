// Predictive events ("what happens next?", "what if…?"): rolling, collisions, bouncing,
// falling off a table and something entering the view. The physics world runs through the
// input; each question continues it from the input's last state — unchanged for the
// factual question, after an intervention for a counterfactual one — and the caption is
// written from what the physics then records, so every answer is exact.
import Foundation

/// A counterfactual change applied at the input's last instant.
struct Intervention {
    var question: String
    /// How the reasoning states the hypothetical ("If the red ball rolled left instead,").
    var premise: String
    var apply: (inout PhysicsWorld) -> Void
}

enum PredictiveScenarios {
    static let factualQuestions = ["What happens next?", "What will happen next?", "What is going to happen next?"]

    static func rolling(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let colours = random.shuffled(SynthColour.allCases)
        let side: Side = random.chance(0.5) ? .left : .right
        let radius = random.pick([0.06, 0.08])
        let endX = random.uniform(0.38, 0.62)
        let ahead = random.pick(["wall", "ball", "open"])
        let tau = random.uniform(0.3, 0.6) * timing.answerSpan
        var world = PhysicsWorld(bodies: [], walls: [], table: nil)
        var speed = random.uniform(0.2, 0.4)
        if ahead == "wall" {
            world.walls.append(side)
            speed = max(abs(PhysicsWorld.wallFace(side) - endX) - radius, 0.05) / tau
        } else if ahead == "open" {
            // Fast enough to leave the view within the answer, so the future is an event, not more of the same.
            let exit = (side == .right ? 1.05 + radius - endX : endX + radius + 0.05)
            speed = exit / (random.uniform(0.5, 0.85) * timing.answerSpan)
        }
        let startX = endX - side.sign * speed * timing.lastInputTime
        let focus = SynthObject(shape: .ball, colour: colours[0], radius: radius, position: Point(startX, floorY - radius))
        world.bodies.append(Body(object: focus, velocity: Point(side.sign * speed, 0)))
        if ahead == "ball" {
            let otherRadius = random.pick([0.06, 0.08])
            let gap = random.uniform(0.1, 0.2)
            let x = endX + side.sign * (radius + otherRadius + gap)
            world.bodies.append(Body(object: SynthObject(shape: .ball, colour: colours[1], radius: otherRadius,
                                                         position: Point(x, floorY - otherRadius)), velocity: Point(0, 0)))
            world.bodies[0].velocity.x = side.sign * gap / tau
            world.bodies[0].object.position.x = endX - side.sign * gap / tau * timing.lastInputTime
        }
        // A wall behind the ball only when the ball started in front of it.
        let behindFace = PhysicsWorld.wallFace(side.opposite)
        if random.chance(0.5), (world.bodies[0].object.position.x - behindFace) * side.sign > radius {
            world.walls.append(side.opposite)
        }
        var interventions = [reverse(0, name: focus.name, verb: "rolling")]
        if world.bodies.count > 1 { interventions.append(remove(1, name: world.bodies[1].object.name)) }
        if ahead == "wall" { interventions.append(removeWall(side)) }
        return build(eventType: "rolling", world: world, focus: 0, timing: timing, background: background,
                     interventions: interventions, random: &random)
    }

    static func collision(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let colours = random.shuffled(SynthColour.allCases)
        let radii = [random.pick([0.06, 0.08]), random.pick([0.06, 0.08])]
        let speeds = [random.uniform(0.15, 0.3), random.chance(0.3) ? 0 : random.uniform(0.15, 0.3)]
        let tau = random.uniform(0.25, 0.5) * timing.answerSpan
        let gap = (speeds[0] + speeds[1]) * tau
        let middle = random.uniform(0.42, 0.58)
        let endX = [middle - gap / 2 - radii[0], middle + gap / 2 + radii[1]]
        var world = PhysicsWorld(bodies: [], walls: [], table: nil)
        for index in 0 ..< 2 {
            let velocity = (index == 0 ? 1.0 : -1.0) * speeds[index]
            let object = SynthObject(shape: .ball, colour: colours[index], radius: radii[index],
                                     position: Point(endX[index] - velocity * timing.lastInputTime, floorY - radii[index]))
            world.bodies.append(Body(object: object, velocity: Point(velocity, 0)))
        }
        for side in [Side.left, .right] where random.chance(0.3) {
            let body = world.bodies[side == .left ? 0 : 1].object
            if (body.position.x - PhysicsWorld.wallFace(side)) * side.opposite.sign > body.radius { world.walls.append(side) }
        }
        let focus = random.integer(in: 0 ... 1)
        let other = 1 - focus
        var interventions = [remove(other, name: world.bodies[other].object.name)]
        if speeds[other] > 0 {
            let name = world.bodies[other].object.name
            interventions.append(Intervention(question: "What if the \(name) had stopped?",
                                              premise: "If the \(name) stood still,") { $0.bodies[other].velocity.x = 0 })
        }
        return build(eventType: "collision", world: world, focus: focus, timing: timing, background: background,
                     interventions: interventions, random: &random)
    }

    static func bouncing(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let radius = random.pick([0.06, 0.08])
        // Slow enough drift (≤ 0.1 per second over ≤ 3 s) that the ball is still in view when the input ends.
        let drift = random.chance(0.4) ? 0 : random.pick([-1.0, 1.0]) * random.uniform(0.04, 0.1)
        let object = SynthObject(shape: .ball, colour: random.pick(SynthColour.allCases), radius: radius,
                                 position: Point(random.uniform(0.35, 0.65), random.uniform(0.15, 0.35)))
        var world = PhysicsWorld(bodies: [Body(object: object, velocity: Point(drift, -random.uniform(0.3, 0.9)))], walls: [], table: nil)
        for side in [Side.left, .right] where random.chance(0.4) { world.walls.append(side) }
        let throwSide: Side = drift > 0 ? .left : drift < 0 ? .right : (random.chance(0.5) ? .left : .right)
        let thrown = Intervention(question: "What if the \(object.name) were thrown hard to the \(throwSide)?",
                                  premise: "If it were thrown hard to the \(throwSide),") { $0.bodies[0].velocity.x = throwSide.sign * 0.45 }
        return build(eventType: "bouncing", world: world, focus: 0, timing: timing, background: background,
                     interventions: [thrown], random: &random)
    }

    static func falling(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let colours = random.shuffled(SynthColour.allCases)
        let left = random.uniform(0.12, 0.3)
        let table = (left: left, right: left + random.uniform(0.42, 0.55), top: random.uniform(0.5, 0.62))
        let side: Side = random.chance(0.5) ? .left : .right
        let radius = random.pick([0.05, 0.065])
        let shape: SynthShape = random.chance(0.5) ? .ball : .block
        let edge = side == .left ? table.left : table.right
        let distance = random.uniform(0.06, 0.16)
        let endX = edge - side.sign * distance
        let room = (table.right - table.left) - distance - radius
        let speed = min(distance / (random.uniform(0.2, 0.45) * timing.answerSpan), room / timing.lastInputTime)
        let object = SynthObject(shape: shape, colour: colours[0], radius: radius,
                                 position: Point(endX - side.sign * speed * timing.lastInputTime, table.top - radius))
        var world = PhysicsWorld(bodies: [Body(object: object, velocity: Point(side.sign * speed, 0), onTable: true)],
                                 walls: [], table: table)
        if random.chance(0.4) {
            let below = SynthObject(shape: .ball, colour: colours[1], radius: 0.06, position: Point(edge + side.sign * 0.12, floorY - 0.06))
            world.bodies.append(Body(object: below, velocity: Point(0, 0)))
        }
        let verb = shape == .ball ? "rolling" : "sliding"
        return build(eventType: "falling", world: world, focus: 0, timing: timing, background: background,
                     interventions: [reverse(0, name: object.name, verb: verb)], random: &random)
    }

    static func entering(_ random: inout SynthRandom, timing: SynthTiming, background: SynthBackground) -> SynthScenario {
        let colours = random.shuffled(SynthColour.allCases)
        let from: Side = random.chance(0.5) ? .left : .right
        let radius = random.pick([0.06, 0.075])
        let speed = random.uniform(0.25, 0.4)
        let endX = from == .left ? random.uniform(-0.02, 0.04) : 1 - random.uniform(-0.02, 0.04)
        let object = SynthObject(shape: random.pick(SynthShape.allCases), colour: colours[0], radius: radius,
                                 position: Point(endX + from.sign * speed * timing.lastInputTime, floorY - radius))
        var world = PhysicsWorld(bodies: [Body(object: object, velocity: Point(from.opposite.sign * speed, 0))], walls: [], table: nil)
        var interventions: [Intervention] = []
        if random.chance(0.7) {
            let resting = SynthObject(shape: .ball, colour: colours[1], radius: 0.07, position: Point(random.uniform(0.4, 0.62), floorY - 0.07))
            world.bodies.append(Body(object: resting, velocity: Point(0, 0)))
            interventions.append(remove(1, name: resting.name))
        }
        if random.chance(0.5) {
            world.walls.append(from.opposite)
            interventions.append(removeWall(from.opposite))
        }
        return build(eventType: "entering", world: world, focus: 0, timing: timing, background: background,
                     interventions: interventions, entering: from, random: &random)
    }

    // MARK: Interventions

    static func reverse(_ body: Int, name: String, verb: String) -> Intervention {
        Intervention(question: "What if the \(name) were \(verb) the other way?", premise: "If it were \(verb) the other way,") {
            $0.bodies[body].velocity.x = -$0.bodies[body].velocity.x
        }
    }

    static func remove(_ body: Int, name: String) -> Intervention {
        Intervention(question: "What if the \(name) were not there?", premise: "Without the \(name),") { $0.bodies[body].gone = true }
    }

    static func removeWall(_ side: Side) -> Intervention {
        Intervention(question: "What if there were no wall on the \(side)?", premise: "Without the wall on the \(side),") {
            $0.walls.removeAll { $0 == side }
        }
    }
}
