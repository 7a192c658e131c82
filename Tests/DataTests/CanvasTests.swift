import Foundation
import Testing
@testable import Data

@Suite("Anti-aliased canvas")
struct CanvasTests {
    /// Total coverage (0…1 per pixel) of white drawn on black, from the red channel.
    static func coverage(_ frame: SynthFrame) -> Double {
        stride(from: 0, to: frame.pixels.count, by: 3).reduce(0.0) { $0 + Double(frame.pixels[$1]) / 255 }
    }

    static func blank(_ size: Int) -> Canvas {
        var canvas = Canvas(size: size)
        canvas.fillBackground(top: RGB(0, 0, 0), bottom: RGB(0, 0, 0), floor: RGB(0, 0, 0), floorY: 2)
        return canvas
    }

    // A rectangle's coverage sums to its area, even with edges between pixel centres.
    @Test func boxAreaIsExact() {
        var canvas = Self.blank(64)
        canvas.box(center: Point(0.503, 0.49), halfWidth: 0.2, halfHeight: 0.1, colour: RGB(255, 255, 255), outline: false)
        let area = 0.4 * 0.2 * 64 * 64
        // Bound: half an 8-bit level of rounding on each of the ~80 edge pixels, plus the four
        // corner pixels, where a distance ramp only approximates the covered area (≤ 1/8 px² each).
        #expect(abs(Self.coverage(canvas.frame()) - area) < 0.5 / 255 * 80 + 4 * 0.125)
    }

    // A stroke's coverage matches the capsule area to within 1 %, and its edges hold intermediate values.
    @Test func strokeIsAntiAliased() {
        var canvas = Self.blank(64)
        canvas.line(from: Point(0.2, 0.3), to: Point(0.8, 0.62), width: 0.05, colour: RGB(255, 255, 255))
        let length = Point(0.6, 0.32).length * 64, width = 0.05 * 64
        let area = length * width + Double.pi * width * width / 4
        let frame = canvas.frame()
        #expect(abs(Self.coverage(frame) - area) / area < 0.01)
        let partial = stride(from: 0, to: frame.pixels.count, by: 3).filter { frame.pixels[$0] > 10 && frame.pixels[$0] < 245 }.count
        #expect(partial > 40)
    }

    // The triangle distance is negative inside, positive outside and zero on an edge.
    @Test func triangleDistanceSign() {
        let a = Point(0, 0), b = Point(10, 0), c = Point(0, 10)
        #expect(Canvas.triangleDistance(Point(2, 2), a, b, c) < 0)
        #expect(Canvas.triangleDistance(Point(-3, 2), a, b, c) == 3)
        #expect(abs(Canvas.triangleDistance(Point(5, 0), a, b, c)) < 1e-12)
    }

    // Shapes clipped by the frame edge draw without reading or writing outside the buffer.
    @Test func clippedShapesStayInBounds() {
        var canvas = Self.blank(16)
        canvas.circle(center: Point(-0.05, 1.02), radius: 0.2, colour: RGB(255, 0, 0))
        canvas.triangle(Point(0.9, -0.5), Point(1.5, 0.5), Point(0.7, 0.4), colour: RGB(0, 255, 0))
        let frame = canvas.frame()
        #expect(frame.pixels.count == 16 * 16 * 3)
        #expect(frame.pixels.contains { $0 > 0 })
    }
}
