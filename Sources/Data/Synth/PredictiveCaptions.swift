// Captions for predictive events, written from what the physics recorded in the answer
// window. Each outcome has several phrasings; wording rank 0 is the plainest, higher
// ranks use rarer verbs, connectors and finally rarer colour and shape names.
import Foundation

/// One thing the focus object does, in caption terms.
enum Outcome: Equatable {
    case entersView(Side)
    case hitsWall(Side)
    case knocks(partner: SynthObject, side: Side)
    case bouncesOff(partner: SynthObject)
    case fallsOffTable(Side)
    case leavesView(Side)
    case keepsBouncing
    case keepsMoving(Side)
    case comesToRest
    case staysStill

    /// The phrasings of this outcome (third person, present tense), plainest first.
    func phrasings(mover: String, naming: (SynthObject) -> String) -> [String] {
        switch self {
        case .entersView(let side):
            return ["comes in from the \(side)", "enters from the \(side)", "appears from the \(side) side"]
        case .hitsWall(let side):
            return ["hits the wall on the \(side) and bounces back", "bumps into the \(side) wall and rebounds",
                    "strikes the \(side)-hand wall and comes back"]
        case .knocks(let partner, let side):
            let other = naming(partner)
            return ["hits the \(other) and knocks it to the \(side)", "bumps into the \(other), pushing it \(side)",
                    "collides with the \(other), which moves off to the \(side)"]
        case .bouncesOff(let partner):
            let other = naming(partner)
            return ["hits the \(other) and bounces off it", "bumps into the \(other) and rebounds",
                    "collides with the \(other) and is thrown back"]
        case .fallsOffTable(let side):
            return ["\(mover) off the \(side) edge of the table and falls to the floor",
                    "drops off the \(side) end of the table onto the floor",
                    "tips over the \(side) edge and lands on the floor"]
        case .leavesView(let side):
            return ["\(mover) out of view on the \(side)", "leaves the picture on the \(side)", "disappears off the \(side) side"]
        case .keepsBouncing:
            return ["keeps bouncing, lower each time", "bounces a few more times, each lower", "goes on hopping with shrinking bounces"]
        case .keepsMoving(let side):
            return ["keeps \(mover == "rolls" ? "rolling" : "sliding") to the \(side)", "carries on moving \(side)",
                    "continues on its way to the \(side)"]
        case .comesToRest:
            return ["comes to rest on the floor", "settles and stays still", "stops moving"]
        case .staysStill:
            return ["stays where it is", "does not move", "remains still"]
        }
    }
}

/// Turns the physics events of the answer window into the outcomes of the focus body.
func outcomes(of focus: Int, events: [PhysicsEvent], start: PhysicsWorld, end: PhysicsWorld) -> [Outcome] {
    var found: [Outcome] = []
    var bounced = false
    for event in events {
        switch event {
        case .hitWall(let body, let side) where body == focus:
            found.append(.hitsWall(side))
        case .collided(let first, let second, let firstVelocity, let secondVelocity) where first == focus || second == focus:
            let partner = first == focus ? second : first
            let velocity = first == focus ? secondVelocity : firstVelocity
            let object = start.bodies[partner].object
            if abs(velocity) > 0.04 {
                found.append(.knocks(partner: object, side: velocity < 0 ? .left : .right))
            } else {
                found.append(.bouncesOff(partner: object))
            }
        case .fellOffTable(let body, let side) where body == focus:
            found.append(.fallsOffTable(side))
        case .leftView(let body, let side) where body == focus:
            found.append(.leavesView(side))
        case .bounced(let body) where body == focus, .landed(let body) where body == focus:
            if !bounced, !found.contains(where: { if case .fallsOffTable = $0 { return true } else { return false } }) {
                found.append(.keepsBouncing)
            }
            bounced = true
        default:
            continue
        }
    }
    // Repeated outcomes (a ball rattling between two things) add nothing after the first two.
    var unique: [Outcome] = []
    for outcome in found where !unique.contains(outcome) { unique.append(outcome) }
    if unique.isEmpty {
        let body = end.bodies[focus]
        if abs(body.velocity.x) > 0.03 {
            unique.append(.keepsMoving(body.velocity.x < 0 ? .left : .right))
        } else if abs(start.bodies[focus].velocity.x) > 0.03 || abs(start.bodies[focus].velocity.y) > 0.03 {
            unique.append(.comesToRest)
        } else {
            unique.append(.staysStill)
        }
    }
    return Array(unique.prefix(2))
}

/// The ranked wordings of a caption "The <object> <outcome>, then <outcome>."
func predictiveWordings(focus: SynthObject, outcomes: [Outcome]) -> [String] {
    let mover = focus.shape == .ball ? "rolls" : "slides"
    let connectors = [", then ", " and then ", ", then ", ", after which it ", " and then "]
    let phrasingRank = [0, 1, 0, 2, 1]
    var wordings: [String] = []
    for rank in 0 ..< 5 {
        let rare = rank == 4
        let naming = { (object: SynthObject) in rare ? object.rareName : object.name }
        let clauses = outcomes.map { outcome -> String in
            let options = outcome.phrasings(mover: mover, naming: naming)
            return options[min(phrasingRank[rank], options.count - 1)]
        }
        let opening = rank == 2 ? "Next, the " : "The "
        wordings.append(opening + naming(focus) + " " + clauses.joined(separator: connectors[rank]) + ".")
    }
    return distinct(wordings)
}
