// A tiny deterministic 2-D physics world for the predictive events: objects under gravity
// on a floor and an optional table, walls, and elastic-ish collisions between objects
// (all treated as discs). Fixed 1/240 s steps of plain Double arithmetic, so the same
// start state always gives the same trajectory, and it records what happened when, which
// is where the ground-truth captions come from.
import Foundation

/// Something that happened to a body; the captions are written from these.
enum PhysicsEvent: Equatable, Sendable {
    case hitWall(body: Int, side: Side)
    /// With both bodies' horizontal velocities just after the impact.
    case collided(body: Int, other: Int, bodyVelocityX: Double, otherVelocityX: Double)
    case fellOffTable(body: Int, side: Side)
    case landed(body: Int)
    case bounced(body: Int)
    case leftView(body: Int, side: Side)

    var body: Int {
        switch self {
        case .hitWall(let body, _), .collided(let body, _, _, _), .fellOffTable(let body, _),
             .landed(let body), .bounced(let body), .leftView(let body, _):
            return body
        }
    }
}

/// Left or right, as seen by the viewer.
enum Side: String, Sendable {
    case left, right

    var opposite: Side { self == .left ? .right : .left }
    /// +1 for right, -1 for left.
    var sign: Double { self == .left ? -1 : 1 }
}

/// A moving object.
struct Body: Equatable, Sendable {
    var object: SynthObject
    var velocity: Point
    /// Off screen for good; no longer simulated or drawn.
    var gone = false
    var onTable = false
}

/// The state of a predictive scene at one instant.
struct PhysicsWorld: Equatable, Sendable {
    static let stepsPerSecond = 240.0
    static let gravity = 2.4
    static let floorRestitution = 0.75
    static let wallRestitution = 0.8
    static let bodyRestitution = 0.9

    var bodies: [Body]
    var walls: [Side]
    var table: (left: Double, right: Double, top: Double)?
    var time = 0.0

    static func == (a: PhysicsWorld, b: PhysicsWorld) -> Bool {
        a.bodies == b.bodies && a.walls == b.walls && a.time == b.time
            && a.table?.left == b.table?.left && a.table?.right == b.table?.right && a.table?.top == b.table?.top
    }

    /// x of a wall's inner face.
    static func wallFace(_ side: Side) -> Double {
        side == .left ? 0.05 + wallHalfWidth : 0.95 - wallHalfWidth
    }

    /// The furniture to draw for this world.
    var furniture: [Furniture] {
        var items = walls.map { Furniture.wall(x: $0 == .left ? 0.05 : 0.95) }
        if let table { items.append(.table(left: table.left, right: table.right, top: table.top)) }
        return items
    }

    /// Advances to `target` seconds in fixed steps and returns what happened on the way.
    mutating func advance(to target: Double) -> [PhysicsEvent] {
        var events: [PhysicsEvent] = []
        let steps = Int(((target - time) * Self.stepsPerSecond).rounded())
        if steps > 0 {
            for _ in 0 ..< steps { step(&events) }
        }
        time = target
        return events
    }

    private mutating func step(_ events: inout [PhysicsEvent]) {
        let dt = 1 / Self.stepsPerSecond
        for index in bodies.indices where !bodies[index].gone {
            var body = bodies[index]
            let r = body.object.radius
            let previousBottom = body.object.position.y + r
            body.velocity.y += Self.gravity * dt
            body.object.position = body.object.position + body.velocity * dt
            var supported = false
            if let table, body.object.position.x >= table.left, body.object.position.x <= table.right,
               previousBottom <= table.top + 1e-9, body.object.position.y + r >= table.top {
                body.object.position.y = table.top - r
                supported = true
                body.onTable = true
                bounce(&body, index: index, events: &events)
            } else if body.onTable, let table {
                body.onTable = false
                events.append(.fellOffTable(body: index, side: body.object.position.x < table.left ? .left : .right))
            }
            if !supported, body.object.position.y + r >= floorY {
                body.object.position.y = floorY - r
                bounce(&body, index: index, events: &events)
            }
            for side in walls {
                let face = Self.wallFace(side)
                let x = body.object.position.x
                if side == .left, x - r < face, body.velocity.x < 0, x > face - 0.2 {
                    body.object.position.x = face + r
                    body.velocity.x = -body.velocity.x * Self.wallRestitution
                    events.append(.hitWall(body: index, side: .left))
                } else if side == .right, x + r > face, body.velocity.x > 0, x < face + 0.2 {
                    body.object.position.x = face - r
                    body.velocity.x = -body.velocity.x * Self.wallRestitution
                    events.append(.hitWall(body: index, side: .right))
                }
            }
            // Only bodies moving outwards leave; ones still coming in from off screen stay.
            if (body.object.position.x + r < -0.02 && body.velocity.x <= 0)
                || (body.object.position.x - r > 1.02 && body.velocity.x >= 0) {
                body.gone = true
                events.append(.leftView(body: index, side: body.object.position.x < 0.5 ? .left : .right))
            }
            bodies[index] = body
        }
        collide(&events)
    }

    private func bounce(_ body: inout Body, index: Int, events: inout [PhysicsEvent]) {
        guard body.velocity.y > 0 else { return }
        if body.velocity.y > 0.25 {
            events.append(body.velocity.y > 0.6 ? .landed(body: index) : .bounced(body: index))
            body.velocity.y = -body.velocity.y * Self.floorRestitution
        } else {
            body.velocity.y = 0
        }
    }

    private mutating func collide(_ events: inout [PhysicsEvent]) {
        for first in bodies.indices where !bodies[first].gone {
            for second in bodies.indices where second > first && !bodies[second].gone {
                var a = bodies[first], b = bodies[second]
                let offset = b.object.position - a.object.position
                let distance = offset.length
                let reach = a.object.radius + b.object.radius
                guard distance < reach, distance > 1e-9 else { continue }
                let normal = offset * (1 / distance)
                let approach = (a.velocity - b.velocity).dot(normal)
                // Heavier (bigger) objects push lighter ones: mass grows with area.
                let massA = a.object.radius * a.object.radius, massB = b.object.radius * b.object.radius
                let overlap = reach - distance
                a.object.position = a.object.position - normal * (overlap * massB / (massA + massB))
                b.object.position = b.object.position + normal * (overlap * massA / (massA + massB))
                if approach > 0 {
                    let impulse = (1 + Self.bodyRestitution) * approach / (1 / massA + 1 / massB)
                    a.velocity = a.velocity - normal * (impulse / massA)
                    b.velocity = b.velocity + normal * (impulse / massB)
                    events.append(.collided(body: first, other: second, bodyVelocityX: a.velocity.x, otherVelocityX: b.velocity.x))
                }
                bodies[first] = a
                bodies[second] = b
            }
        }
    }
}
