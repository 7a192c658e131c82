// Cutting clips out of source videos by frame index: decode, keep the range, encode (libx264 via
// VideoIO, written atomically), or a stream copy when the cut starts on a keyframe of a stream without
// B-frames. Frame-exact either way.
import Data
import Foundation
import VideoIO

public enum ClipCutter {
    /// How a clip was cut.
    public struct Cut: Sendable, Equatable {
        public var frames: Int
        /// True when the packets were copied (no re-encode).
        public var streamCopied: Bool

        public init(frames: Int, streamCopied: Bool) {
            self.frames = frames
            self.streamCopied = streamCopied
        }
    }

    /// Writes frames `frames` of `videoPath` to `destination`: a stream copy when the cut allows it (and
    /// `allowStreamCopy`), a re-encode at the source's frame rate otherwise.
    @discardableResult
    public static func cut(_ videoPath: String, frames: Range<Int>, to destination: URL, crf: Int = 18,
                           allowStreamCopy: Bool = true) throws -> Cut {
        if allowStreamCopy && StreamCopy.cut(videoPath, frames: frames, to: destination) {
            return Cut(frames: frames.count, streamCopied: true)
        }
        return Cut(frames: try reencode(videoPath, frames: frames, to: destination, crf: crf), streamCopied: false)
    }

    static func reencode(_ videoPath: String, frames: Range<Int>, to destination: URL, crf: Int) throws -> Int {
        do {
            let decoder = try VideoDecoder(path: videoPath)
            let fps = decoder.info.fps
            var encoder: VideoEncoder?
            var written = 0
            try decoder.forEachFrame { frame in
                if frame.index >= frames.upperBound { return false }
                if frame.index >= frames.lowerBound {
                    if encoder == nil {
                        encoder = try VideoEncoder(path: destination.path, width: frame.width - frame.width % 2,
                                                   height: frame.height - frame.height % 2, fps: fps,
                                                   options: VideoEncodingOptions(crf: crf, preset: "veryfast", threads: 1))
                    }
                    try encoder?.append(evenSized(frame))
                    written += 1
                }
                return true
            }
            guard let encoder, written == frames.count else {
                throw CurationError.videoFailed(path: videoPath, reason: "frames \(frames.lowerBound)..<\(frames.upperBound) are past the end (\(written) found)")
            }
            try encoder.finish()
            return written
        } catch let error as CurationError {
            throw error
        } catch {
            throw CurationError.videoFailed(path: videoPath, reason: "\(error)")
        }
    }

    /// Writes the clips one after another into one video (the local VLM's input).
    public static func concatenate(_ clips: [VLMClip], to destination: URL) throws {
        var encoder: VideoEncoder?
        do {
            for clip in clips {
                let decoder = try VideoDecoder(path: clip.videoPath)
                let fps = decoder.info.fps
                try decoder.forEachFrame { frame in
                    if frame.timestamp >= clip.range.end { return false }
                    if frame.timestamp >= clip.range.start - 1e-6 {
                        if encoder == nil {
                            encoder = try VideoEncoder(path: destination.path, width: frame.width - frame.width % 2,
                                                       height: frame.height - frame.height % 2, fps: fps,
                                                       options: VideoEncodingOptions(crf: 18, preset: "veryfast", threads: 1))
                        }
                        try encoder?.append(evenSized(frame))
                    }
                    return true
                }
            }
            guard let encoder else { throw CurationError.videoFailed(path: destination.path, reason: "the clips hold no frames") }
            try encoder.finish()
        } catch let error as CurationError {
            throw error
        } catch {
            throw CurationError.videoFailed(path: destination.path, reason: "\(error)")
        }
    }

    /// yuv420p needs even sizes: odd frames lose their last column/row.
    static func evenSized(_ frame: VideoFrame) -> VideoFrame {
        let width = frame.width - frame.width % 2, height = frame.height - frame.height % 2
        guard width != frame.width || height != frame.height else { return frame }
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for row in 0..<height {
            let start = row * frame.width * 3
            pixels.append(contentsOf: frame.pixels[start..<(start + width * 3)])
        }
        return VideoFrame(width: width, height: height, pixels: pixels, timestamp: frame.timestamp, index: frame.index)
    }
}
