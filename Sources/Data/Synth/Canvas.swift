// An anti-aliased 2-D rasteriser for the synthetic world. Shapes are signed distance
// functions evaluated at pixel centres; a one-pixel linear ramp of the distance gives
// the coverage (a box-filter approximation), so edges are smooth and resizing a frame
// is meaningful. World coordinates are [0, 1] × [0, 1], x to the right and y down.
import Foundation

/// One RGB24 frame, row-major, `width * height * 3` bytes.
public struct SynthFrame: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
}

/// A colour with channels in 0…255.
public struct RGB: Sendable, Equatable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(_ red: Double, _ green: Double, _ blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The colour scaled towards black (`factor` < 1) — used for outlines and shading.
    public func scaled(_ factor: Double) -> RGB { RGB(red * factor, green * factor, blue * factor) }

    /// Linear interpolation towards `other`.
    public func mixed(with other: RGB, _ amount: Double) -> RGB {
        RGB(red + (other.red - red) * amount, green + (other.green - green) * amount, blue + (other.blue - blue) * amount)
    }
}

/// A 2-D point or vector in world units.
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    static func + (a: Point, b: Point) -> Point { Point(a.x + b.x, a.y + b.y) }
    static func - (a: Point, b: Point) -> Point { Point(a.x - b.x, a.y - b.y) }
    static func * (a: Point, s: Double) -> Point { Point(a.x * s, a.y * s) }
    func dot(_ other: Point) -> Double { x * other.x + y * other.y }
    var length: Double { (x * x + y * y).squareRoot() }
}

/// A floating-point drawing surface, quantised to bytes once per frame.
public struct Canvas {
    public let size: Int
    private var buffer: [Double]

    /// A black square canvas of `size` pixels; `fillBackground` paints the scene behind the objects.
    public init(size: Int) {
        self.size = size
        buffer = [Double](repeating: 0, count: size * size * 3)
    }

    /// Fills the canvas from `top` to `bottom` colour, then a floor band below `floorY`.
    public mutating func fillBackground(top: RGB, bottom: RGB, floor: RGB, floorY: Double) {
        let scale = Double(size)
        for row in 0 ..< size {
            let y = (Double(row) + 0.5) / scale
            // Anti-aliased horizon: the floor edge falls between pixel rows in general.
            let floorCoverage = min(max((Double(row) + 1) - floorY * scale, 0), 1)
            let sky = top.mixed(with: bottom, y)
            let colour = sky.mixed(with: floor.mixed(with: floor.scaled(0.8), max(0, y - floorY) * 3), floorCoverage)
            for column in 0 ..< size {
                let base = (row * size + column) * 3
                buffer[base] = colour.red
                buffer[base + 1] = colour.green
                buffer[base + 2] = colour.blue
            }
        }
    }

    /// Draws a filled disc with a darker rim.
    public mutating func circle(center: Point, radius: Double, colour: RGB) {
        let c = center * Double(size), r = radius * Double(size)
        fill(minimum: Point(c.x - r, c.y - r), maximum: Point(c.x + r, c.y + r), colour: colour) { p in (p - c).length - r }
    }

    /// Draws an axis-aligned filled square or rectangle with a darker rim.
    public mutating func box(center: Point, halfWidth: Double, halfHeight: Double, colour: RGB, outline: Bool = true) {
        let c = center * Double(size), hx = halfWidth * Double(size), hy = halfHeight * Double(size)
        fill(minimum: Point(c.x - hx, c.y - hy), maximum: Point(c.x + hx, c.y + hy), colour: colour, outline: outline) { p in
            let dx = abs(p.x - c.x) - hx, dy = abs(p.y - c.y) - hy
            let outside = Point(max(dx, 0), max(dy, 0)).length
            return outside + min(max(dx, dy), 0)
        }
    }

    /// Draws a filled triangle with a darker rim (vertices in world units).
    public mutating func triangle(_ a: Point, _ b: Point, _ c: Point, colour: RGB) {
        let s = Double(size)
        let p0 = a * s, p1 = b * s, p2 = c * s
        let minimum = Point(min(p0.x, p1.x, p2.x), min(p0.y, p1.y, p2.y))
        let maximum = Point(max(p0.x, p1.x, p2.x), max(p0.y, p1.y, p2.y))
        fill(minimum: minimum, maximum: maximum, colour: colour) { p in Self.triangleDistance(p, p0, p1, p2) }
    }

    /// Draws a stroke (a capsule) from `a` to `b`, `width` world units wide, without a rim.
    public mutating func line(from a: Point, to b: Point, width: Double, colour: RGB) {
        let s = Double(size)
        let pa = a * s, pb = b * s, half = width * s / 2
        let minimum = Point(min(pa.x, pb.x) - half, min(pa.y, pb.y) - half)
        let maximum = Point(max(pa.x, pb.x) + half, max(pa.y, pb.y) + half)
        let direction = pb - pa
        let lengthSquared = max(direction.dot(direction), 1e-12)
        fill(minimum: minimum, maximum: maximum, colour: colour, outline: false) { p in
            let offset = p - pa
            let t = min(max(offset.dot(direction) / lengthSquared, 0), 1)
            return (offset - direction * t).length - half
        }
    }

    /// Rounds the canvas to an 8-bit frame.
    public func frame() -> SynthFrame {
        var pixels = [UInt8](repeating: 0, count: buffer.count)
        for index in 0 ..< buffer.count {
            pixels[index] = UInt8(min(max(buffer[index].rounded(), 0), 255))
        }
        return SynthFrame(width: size, height: size, pixels: pixels)
    }

    /// Blends `colour` wherever `distance` (in pixels; negative inside) covers a pixel centre.
    /// With `outline`, a one-pixel darker rim separates same-coloured neighbours.
    private mutating func fill(minimum: Point, maximum: Point, colour: RGB, outline: Bool = true,
                               distance: (Point) -> Double) {
        let firstColumn = max(Int((minimum.x - 1).rounded(.down)), 0)
        let lastColumn = min(Int((maximum.x + 1).rounded(.up)), size - 1)
        let firstRow = max(Int((minimum.y - 1).rounded(.down)), 0)
        let lastRow = min(Int((maximum.y + 1).rounded(.up)), size - 1)
        guard firstColumn <= lastColumn, firstRow <= lastRow else { return }
        let rim = colour.scaled(0.55)
        for row in firstRow ... lastRow {
            for column in firstColumn ... lastColumn {
                let d = distance(Point(Double(column) + 0.5, Double(row) + 0.5))
                let coverage = min(max(0.5 - d, 0), 1)
                if coverage <= 0 { continue }
                // Inside the rim the fill colour takes over over one more pixel.
                let inner = outline ? min(max(-0.5 - d, 0), 1) : 1
                let paint = rim.mixed(with: colour, inner)
                let base = (row * size + column) * 3
                buffer[base] += (paint.red - buffer[base]) * coverage
                buffer[base + 1] += (paint.green - buffer[base + 1]) * coverage
                buffer[base + 2] += (paint.blue - buffer[base + 2]) * coverage
            }
        }
    }

    /// Exact signed distance to a triangle (Inigo Quilez's `sdTriangle`).
    static func triangleDistance(_ p: Point, _ p0: Point, _ p1: Point, _ p2: Point) -> Double {
        let e0 = p1 - p0, e1 = p2 - p1, e2 = p0 - p2
        let v0 = p - p0, v1 = p - p1, v2 = p - p2
        func clampUnit(_ value: Double) -> Double { min(max(value, 0), 1) }
        let q0 = v0 - e0 * clampUnit(v0.dot(e0) / max(e0.dot(e0), 1e-12))
        let q1 = v1 - e1 * clampUnit(v1.dot(e1) / max(e1.dot(e1), 1e-12))
        let q2 = v2 - e2 * clampUnit(v2.dot(e2) / max(e2.dot(e2), 1e-12))
        let orientation: Double = (e0.x * e2.y - e0.y * e2.x) >= 0 ? 1 : -1
        let distanceSquared = min(q0.dot(q0), q1.dot(q1), q2.dot(q2))
        let side = min(orientation * (v0.x * e0.y - v0.y * e0.x),
                       orientation * (v1.x * e1.y - v1.y * e1.x),
                       orientation * (v2.x * e2.y - v2.y * e2.x))
        return -distanceSquared.squareRoot() * (side >= 0 ? 1 : -1)
    }
}
