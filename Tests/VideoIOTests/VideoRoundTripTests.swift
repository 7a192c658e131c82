// Encoding synthetic frames and decoding them back: stream facts, pixels, timestamps, seeking.
import Foundation
import Testing
import VideoIO

@Suite struct VideoRoundTripTests {
    // The encoder writes an H.264 MP4 whose reported facts are exactly what was asked for.
    @Test func infoDescribesTheEncodedClip() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 20, width: 64, height: 48, fps: 8)
        let info = try VideoInfo(contentsOf: path)
        #expect(info.codec == "h264")
        #expect(info.width == 64 && info.height == 48)
        #expect(info.frameCount == 20)
        #expect(abs(info.fps - 8) < 1e-9)
        #expect(abs(info.duration - 2.5) < 1e-6)
    }

    // Decoding returns every frame in order, with timestamps i/fps and pixels close to the encoded ones.
    @Test func decodeAllRecoversFramesAndTimestamps() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 12, fps: 8)
        let frames = try VideoDecoder(path: path).decodeAll()
        #expect(frames.count == 12)
        for (i, frame) in frames.enumerated() {
            #expect(frame.index == i)
            #expect(abs(frame.timestamp - Double(i) / 8) < 1e-9)
            #expect(frame.width == 64 && frame.height == 48)
            // yuv420p chroma subsampling and crf 10 lose a little; the mean error stays small.
            #expect(TestVideos.meanAbsoluteDifference(frame, TestVideos.frame(i, width: 64, height: 48)) < 4)
        }
    }

    // Decoding at a requested size returns frames of that size.
    @Test func decodeResizes() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 3)
        let frames = try VideoDecoder(path: path).decodeAll(width: 32, height: 20, filter: .area)
        #expect(frames.count == 3)
        #expect(frames.allSatisfy { $0.width == 32 && $0.height == 20 && $0.pixels.count == 32 * 20 * 3 })
    }

    // Odd input sizes are scaled up to the even size yuv420p requires.
    @Test func oddSizesBecomeEven() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 2, width: 33, height: 17)
        let info = try VideoInfo(contentsOf: path)
        #expect(info.width == 34 && info.height == 18)
    }

    // Frames fetched by timestamp (with seeks across keyframes) equal the frames a full decode shows at those times.
    @Test func framesAtTimesMatchFullDecode() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 80, fps: 10, keyframeInterval: 10)
        let all = try VideoDecoder(path: path).decodeAll()
        let times = [6.55, 0.0, 0.04, 3.0, 2.95, 7.9, 12.0, 1.05, 1.05, -1.0]
        let picked = try VideoDecoder(path: path).frames(atTimes: times)
        for (time, frame) in zip(times, picked) {
            let expected = min(max(Int((time * 10 + 1e-6).rounded(.down)), 0), 79)
            #expect(frame.index == expected, "t=\(time)")
            #expect(frame.pixels == all[expected].pixels, "t=\(time)")
            #expect(abs(frame.timestamp - Double(expected) / 10) < 1e-9)
        }
    }

    // Frames fetched by index come back in the requested order, equal to the full decode's.
    @Test func framesAtIndicesMatchFullDecode() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 15)
        let all = try VideoDecoder(path: path).decodeAll()
        let indices = [14, 0, 7, 7, 3]
        let picked = try VideoDecoder(path: path).frames(atIndices: indices)
        #expect(picked.map(\.index) == indices)
        #expect(zip(picked, indices).allSatisfy { $0.pixels == all[$1].pixels })
        #expect(throws: VideoIOError.self) { try VideoDecoder(path: path).frames(atIndices: [15]) }
    }

    // The streaming decoder visits every frame in order and stops when asked.
    @Test func forEachFrameStreamsAndStops() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 9)
        var seen: [Int] = []
        try VideoDecoder(path: path).forEachFrame { frame in
            seen.append(frame.index)
            return frame.index < 4
        }
        #expect(seen == [0, 1, 2, 3, 4])
    }

    // A fractional NTSC rate (30000/1001) survives encoding as the stream rate and in the frame timestamps.
    @Test func fractionalFrameRateIsKept() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 6, fps: 30000.0 / 1001.0)
        let info = try VideoInfo(contentsOf: path)
        #expect(abs(info.fps - 30000.0 / 1001.0) < 1e-6)
        let frames = try VideoDecoder(path: path).decodeAll()
        #expect(abs(frames[5].timestamp - 5 * 1001.0 / 30000.0) < 1e-6)
    }
}
