import Tensor
import Testing
import VideoIO
@testable import Wan

@Suite struct FrameTensorTests {
    // Frames → Wan tensor → frames is the identity on 8-bit pixels (x·2/255 − 1 and its rounded inverse).
    @Test func roundTripIsExact() throws {
        let (width, height, count) = (16, 16, 5)
        let frames = (0 ..< count).map { frame in
            VideoFrame(width: width, height: height,
                       pixels: (0 ..< width * height * 3).map { UInt8(($0 * 7 + frame * 31) % 256) }, index: frame)
        }
        let clip = try WanVideoProcessor(height: height, width: width).tensor(from: frames)
        let tensor = clip.tensor
        #expect(tensor.shape == [3, count, height, width])
        let back = try WanFrames.frames(from: tensor, fps: 8)
        #expect(back.map(\.pixels) == frames.map(\.pixels))
        #expect(back[4].timestamp == 0.5)
    }

    // A tensor that is not a 3-channel clip is a typed error, not a crash.
    @Test func rejectsWrongShape() {
        #expect(throws: WanVideoError.self) { try WanFrames.frames(from: Tensor([0, 0], shape: [2, 1, 1, 1]), fps: 8) }
    }
}
