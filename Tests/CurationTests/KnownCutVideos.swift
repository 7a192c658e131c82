// Videos with cuts at known frames, made at test time from two kinds of picture: VANS-Synth scenes (a room with
// moving objects, the synthetic world's own renderer) and test patterns drawn after FFmpeg's lavfi sources
// (SMPTE colour bars, testsrc's scrolling colour field with a moving box, a checkerboard with a sweeping bar).
// libavfilter is not linked, so the patterns are drawn here rather than taken from `-f lavfi`.
import Data
import Foundation
import VideoIO

/// What one shot shows.
enum ShotPicture: Sendable {
    /// A VANS-Synth predictive scene (its input clip, then its first answer clip), from scene `index` of seed 7.
    case synth(index: Int)
    /// Static 75 % SMPTE colour bars over a reverse-bars strip (as `smptebars`).
    case colourBars
    /// A hue field scrolling 2 px a frame with a white box moving diagonally (as `testsrc`).
    case scrollingField
    /// A blue/orange checkerboard with a bright bar sweeping across.
    case checkerboard
}

/// A shot of a known-cut video: what it shows for how many frames.
struct KnownShot: Sendable {
    var picture: ShotPicture
    var frames: Int
}

/// Side of the square test videos, pixels.
let knownCutSize = 64

/// Writes the shots back to back at `testFPS` and returns each shot's source frames.
@discardableResult
func writeKnownCutVideo(_ url: URL, shots: [KnownShot]) throws -> [Range<Int>] {
    var frames: [VideoFrame] = []
    var ranges: [Range<Int>] = []
    for shot in shots {
        let start = frames.count
        frames += try pictures(shot.picture, count: shot.frames)
        ranges.append(start..<frames.count)
    }
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try VideoWriter.write(frames, to: url.path, fps: testFPS, options: VideoEncodingOptions(crf: 12, preset: "veryfast", threads: 1))
    return ranges
}

private func pictures(_ picture: ShotPicture, count: Int) throws -> [VideoFrame] {
    let size = knownCutSize
    switch picture {
    case .synth(let index):
        let seed = SynthWorld.sceneSeed(split: .train, seed: 7, kind: .predictive, index: index)
        let scene = SynthWorld.render(sceneSeed: seed, size: size, fps: testFPS)
        let all = scene.inputFrames + (scene.questions.first?.answerFrames ?? [])
        return (0..<count).map { frame in
            let source = all[min(frame, all.count - 1)]
            return VideoFrame(width: source.width, height: source.height, pixels: source.pixels)
        }
    case .colourBars:
        let top: [(UInt8, UInt8, UInt8)] = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191)]
        let strip: [(UInt8, UInt8, UInt8)] = [(0, 0, 191), (19, 19, 19), (191, 0, 191), (19, 19, 19), (0, 191, 191), (19, 19, 19), (191, 191, 191)]
        let frame = drawn(size) { x, y in
            let bar = min(x * 7 / size, 6)
            return y < size * 3 / 4 ? top[bar] : strip[bar]
        }
        return Array(repeating: frame, count: count)
    case .scrollingField:
        return (0..<count).map { time in
            drawn(size) { x, y in
                let box = 8 + (time * 2) % (size - 24)
                if x >= box && x < box + 12 && y >= box && y < box + 12 { return (255, 255, 255) }
                return hue(Double((x + 2 * time) % size) / Double(size), value: 0.5 + 0.4 * Double(y) / Double(size))
            }
        }
    case .checkerboard:
        return (0..<count).map { time in
            drawn(size) { x, y in
                if abs(x - (time * 3) % size) < 3 { return (250, 250, 250) }
                return (x / 8 + y / 8) % 2 == 0 ? (30, 60, 200) : (230, 140, 30)
            }
        }
    }
}

private func drawn(_ size: Int, _ colour: (Int, Int) -> (UInt8, UInt8, UInt8)) -> VideoFrame {
    var pixels = [UInt8](repeating: 0, count: size * size * 3)
    for y in 0..<size {
        for x in 0..<size {
            let (red, green, blue) = colour(x, y)
            pixels[(y * size + x) * 3] = red
            pixels[(y * size + x) * 3 + 1] = green
            pixels[(y * size + x) * 3 + 2] = blue
        }
    }
    return VideoFrame(width: size, height: size, pixels: pixels)
}

/// A fully saturated colour of hue `fraction` (0…1) at brightness `value`.
private func hue(_ fraction: Double, value: Double) -> (UInt8, UInt8, UInt8) {
    let sector = fraction * 6
    let rise = sector - sector.rounded(.down)
    let channels: (Double, Double, Double)
    switch Int(sector) % 6 {
    case 0: channels = (1, rise, 0)
    case 1: channels = (1 - rise, 1, 0)
    case 2: channels = (0, 1, rise)
    case 3: channels = (0, 1 - rise, 1)
    case 4: channels = (rise, 0, 1)
    default: channels = (1, 0, 1 - rise)
    }
    func byte(_ channel: Double) -> UInt8 { UInt8(min(255, max(0, (channel * value * 255).rounded()))) }
    return (byte(channels.0), byte(channels.1), byte(channels.2))
}

/// Mean absolute difference of two same-sized frames, per channel value.
func meanAbsoluteDifference(_ first: VideoFrame, _ second: VideoFrame) -> Double {
    guard first.pixels.count == second.pixels.count, !first.pixels.isEmpty else { return .infinity }
    var total = 0
    for index in first.pixels.indices { total += abs(Int(first.pixels[index]) - Int(second.pixels[index])) }
    return Double(total) / Double(first.pixels.count)
}
