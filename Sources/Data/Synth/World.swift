// The things VANS-Synth scenes are made of: coloured objects of a few shapes and sizes,
// a background (sky gradient and floor), walls, a table, sorting bins and pen strokes.
import Foundation

/// Object colours, each with a plain name and rarer synonyms used by the rarer wordings.
public enum SynthColour: Int, CaseIterable, Sendable {
    case red, orange, yellow, green, blue, purple

    public var name: String { ["red", "orange", "yellow", "green", "blue", "purple"][rawValue] }

    /// Less common names for the same colour ("crimson" for red), used by rarer wordings.
    public var synonym: String { ["crimson", "amber", "golden", "emerald", "azure", "violet"][rawValue] }

    public var rgb: RGB {
        [RGB(220, 40, 40), RGB(240, 140, 20), RGB(235, 210, 30),
         RGB(40, 170, 60), RGB(40, 90, 220), RGB(140, 60, 190)][rawValue]
    }
}

/// Object shapes.
public enum SynthShape: Int, CaseIterable, Sendable {
    case ball, block, triangle

    public var name: String { ["ball", "block", "triangle"][rawValue] }
    /// A rarer noun for the same shape.
    public var synonym: String { ["sphere", "cube", "pyramid"][rawValue] }
}

/// A background: a vertical sky gradient and a floor colour.
public struct SynthBackground: Sendable, Equatable {
    public var name: String
    public var top: RGB
    public var bottom: RGB
    public var floor: RGB

    /// The backgrounds scenes draw from; all pale so that objects stand out.
    public static let all: [SynthBackground] = [
        SynthBackground(name: "pale blue room", top: RGB(200, 220, 245), bottom: RGB(235, 242, 250), floor: RGB(150, 130, 110)),
        SynthBackground(name: "cream room", top: RGB(245, 235, 210), bottom: RGB(250, 246, 235), floor: RGB(120, 120, 130)),
        SynthBackground(name: "grey room", top: RGB(200, 200, 205), bottom: RGB(232, 232, 235), floor: RGB(110, 140, 110)),
        SynthBackground(name: "mint room", top: RGB(205, 240, 225), bottom: RGB(238, 250, 244), floor: RGB(140, 110, 140)),
        SynthBackground(name: "peach room", top: RGB(250, 220, 200), bottom: RGB(252, 240, 230), floor: RGB(100, 110, 150)),
    ]
}

/// The floor line, in world units from the top.
let floorY = 0.86

/// One object of a scene. `position` is its centre; `radius` its half-extent.
public struct SynthObject: Sendable, Equatable {
    public var shape: SynthShape
    public var colour: SynthColour
    public var radius: Double
    public var position: Point

    /// "small"/"big" when sizes matter to the event.
    public var sizeName: String { radius < 0.075 ? "small" : "big" }

    /// "red ball".
    public var name: String { "\(colour.name) \(shape.name)" }
    /// "crimson sphere" — the rarer wording of the same object.
    public var rareName: String { "\(colour.synonym) \(shape.synonym)" }
}

/// Fixed scene furniture.
public enum Furniture: Sendable, Equatable {
    /// A wall standing on the floor at x = `x` (left or right edge region).
    case wall(x: Double)
    /// A table whose top spans `left`…`right` at height `top`.
    case table(left: Double, right: Double, top: Double)
    /// An open bin on the floor centred at `x`, marked with a colour patch and a shape icon.
    case bin(x: Double, colour: SynthColour, shape: SynthShape)
    /// A framed picture of a tower (bottom to top), used by the stacking task.
    case towerPicture(colours: [SynthColour])
}

let wallHalfWidth = 0.025
let wallTop = 0.42
let binHalfWidth = 0.12
let binHeight = 0.16

extension Canvas {
    /// Draws an object at its current position.
    mutating func draw(_ object: SynthObject) {
        let colour = object.colour.rgb
        let c = object.position, r = object.radius
        switch object.shape {
        case .ball:
            circle(center: c, radius: r, colour: colour)
        case .block:
            box(center: c, halfWidth: r, halfHeight: r, colour: colour)
        case .triangle:
            triangle(Point(c.x, c.y - r), Point(c.x + r * 1.1, c.y + r), Point(c.x - r * 1.1, c.y + r), colour: colour)
        }
    }

    /// Draws fixed furniture (behind the objects, except bin fronts which `drawFront` adds).
    mutating func draw(_ furniture: Furniture) {
        switch furniture {
        case .wall(let x):
            box(center: Point(x, (wallTop + floorY) / 2), halfWidth: wallHalfWidth, halfHeight: (floorY - wallTop) / 2,
                colour: RGB(120, 90, 70))
        case .table(let left, let right, let top):
            box(center: Point((left + right) / 2, top + 0.015), halfWidth: (right - left) / 2, halfHeight: 0.015, colour: RGB(150, 100, 60))
            for legX in [left + 0.03, right - 0.03] {
                box(center: Point(legX, (top + 0.03 + floorY) / 2), halfWidth: 0.012, halfHeight: (floorY - top - 0.03) / 2,
                    colour: RGB(130, 85, 50), outline: false)
            }
        case .bin(let x, let colour, let shape):
            // Back wall and marker; the front rim is drawn after the objects so things sit inside.
            box(center: Point(x, floorY - binHeight / 2), halfWidth: binHalfWidth, halfHeight: binHeight / 2, colour: RGB(200, 200, 200))
            // The sign above the bin: its colour, and its shape in white, large enough to read at 64 px.
            let sign = Point(x, floorY - binHeight - 0.075)
            box(center: sign, halfWidth: 0.11, halfHeight: 0.065, colour: colour.rgb)
            drawIcon(shape, at: sign, radius: 0.045)
        case .towerPicture(let colours):
            box(center: Point(0.16, 0.3), halfWidth: 0.13, halfHeight: 0.25, colour: RGB(250, 250, 250))
            let blockHalf = 0.045
            for (level, colour) in colours.enumerated() {
                let y = 0.5 - blockHalf - Double(level) * blockHalf * 2 - 0.02
                box(center: Point(0.16, y), halfWidth: blockHalf, halfHeight: blockHalf, colour: colour.rgb)
            }
        }
    }

    /// A white shape icon (no rim) for bin signs.
    private mutating func drawIcon(_ shape: SynthShape, at c: Point, radius r: Double) {
        let white = RGB(255, 255, 255)
        switch shape {
        case .ball: circle(center: c, radius: r, colour: white)
        case .block: box(center: c, halfWidth: r * 0.85, halfHeight: r * 0.85, colour: white)
        case .triangle: triangle(Point(c.x, c.y - r), Point(c.x + r * 1.1, c.y + r), Point(c.x - r * 1.1, c.y + r), colour: white)
        }
    }

    /// Draws parts of furniture that sit in front of objects (the bins' front rims).
    mutating func drawFront(_ furniture: Furniture) {
        if case .bin(let x, _, _) = furniture {
            box(center: Point(x, floorY - 0.025), halfWidth: binHalfWidth, halfHeight: 0.025, colour: RGB(150, 150, 155))
        }
    }
}
