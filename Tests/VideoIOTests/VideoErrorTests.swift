// Bad inputs give a typed error naming the file, never a crash or a hang; failed encodes leave nothing behind.
import Foundation
import Testing
import TestSupport
import VideoIO

@Suite struct VideoErrorTests {
    /// Opens and fully decodes `path`, returning the error it throws (or nil when it decodes).
    private func failure(opening path: String) -> VideoIOError? {
        do {
            _ = try VideoDecoder(path: path).decodeAll()
            return nil
        } catch {
            return error
        }
    }

    private func write(_ data: Data, named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    // A missing path and a directory are reported as unreadable, naming the path.
    @Test func unreadablePaths() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.mp4").path
        #expect(failure(opening: missing) == .unreadablePath(path: missing, reason: "no such file"))
        #expect(failure(opening: directory.path) == .unreadablePath(path: directory.path, reason: "not a regular file (directory)"))
        #expect(failure(opening: missing)?.description.contains(missing) == true)
    }

    // A FIFO is refused up front instead of blocking the open forever.
    @Test func fifoIsRefused() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pipe.mp4").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect(failure(opening: path) == .unreadablePath(path: path, reason: "not a regular file (named pipe)"))
    }

    // Empty and non-media files cannot be opened.
    @Test func emptyAndTextFiles() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = try write(Data(), named: "empty.mp4", in: directory)
        let text = try write(Data(String(repeating: "not a video at all\n", count: 50).utf8), named: "notes.mp4", in: directory)
        for path in [empty, text] {
            guard case .cannotOpen(let named, _) = failure(opening: path) else {
                Issue.record("expected cannotOpen for \(path)")
                continue
            }
            #expect(named == path)
        }
    }

    // An audio-only file is media but has no video stream.
    @Test func audioOnlyFile() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write(TestVideos.silentWAV(), named: "tone.wav", in: directory)
        #expect(failure(opening: path) == .noVideoStream(path: path))
    }

    // A stream whose codec FFmpeg does not know is reported as unsupported.
    @Test func unknownCodec() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write(TestVideos.unknownCodecAVI(), named: "zzzz.avi", in: directory)
        guard case .unsupportedCodec(let named, _) = failure(opening: path) else {
            Issue.record("expected unsupportedCodec, got \(String(describing: failure(opening: path)))")
            return
        }
        #expect(named == path)
    }

    // Every truncation of a valid (faststart) MP4 throws a typed error naming the file; cuts inside the frame
    // data are reported as truncated rather than decoding a silent prefix.
    @Test func truncatedFiles() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try TestVideos.makeMP4(in: directory, count: 10)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        var truncations = 0
        for fraction in stride(from: 0.05, to: 1.0, by: 0.1) {
            let path = try write(bytes.prefix(Int(Double(bytes.count) * fraction)), named: "cut.mp4", in: directory)
            let error = try #require(failure(opening: path), "a \(fraction) prefix decoded without error")
            #expect(error.description.contains(path))
            if case .truncated = error { truncations += 1 }
        }
        #expect(truncations >= 3)
        let lastByteMissing = try write(bytes.dropLast(), named: "short.mp4", in: directory)
        #expect(failure(opening: lastByteMissing) != nil)
    }

    // Overwriting the frame data with garbage never crashes; it decodes or throws a typed error naming the file.
    @Test func corruptedPayload() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try TestVideos.makeMP4(in: directory, count: 10)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        var generator = SplitMix(seed: 7)
        for index in stride(from: bytes.count / 3, to: bytes.count, by: 7) { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
        let path = try write(bytes, named: "corrupt.mp4", in: directory)
        if let error = failure(opening: path) { #expect(error.description.contains(path)) }
        var header = try Data(contentsOf: URL(fileURLWithPath: source))
        for index in 8 ..< min(400, header.count) { header[index] = UInt8(truncatingIfNeeded: generator.next()) }
        let brokenHeader = try write(header, named: "header.mp4", in: directory)
        if let error = failure(opening: brokenHeader) { #expect(error.description.contains(brokenHeader)) }
    }

    // Bad decode arguments are rejected with invalidArgument.
    @Test func badDecodeArguments() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestVideos.makeMP4(in: directory, count: 2)
        #expect(throws: VideoIOError.self) { try VideoDecoder(path: path).decodeAll(width: 0, height: 10) }
        #expect(throws: VideoIOError.self) { try VideoDecoder(path: path).frames(atTimes: [.nan]) }
        #expect(throws: VideoIOError.self) { try VideoDecoder(path: path).frames(atIndices: [-1]) }
    }

    // A failed or abandoned encode leaves the existing destination untouched and no temporary file behind.
    @Test func failedEncodeLeavesNothing() throws {
        let directory = try TestVideos.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.mp4").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        do {
            let encoder = try VideoEncoder(path: path, width: 16, height: 16, fps: 8)
            try encoder.append(TestVideos.frame(0, width: 16, height: 16))
            #expect(throws: VideoIOError.self) { try encoder.append(TestVideos.frame(1, width: 8, height: 8)) }
        }
        #expect(throws: VideoIOError.self) { try VideoEncoder(path: path, width: 16, height: 16, fps: 8).finish() }
        #expect(throws: VideoIOError.self) { try VideoEncoder(path: path, width: 16, height: 16, fps: 0) }
        #expect(throws: VideoIOError.self) {
            try VideoEncoder(path: path, width: 16, height: 16, fps: 8, options: VideoEncodingOptions(preset: "warp-speed"))
        }
        let missingDirectory = directory.appendingPathComponent("no/such/dir/out.mp4").path
        #expect(throws: VideoIOError.self) { try VideoEncoder(path: missingDirectory, width: 16, height: 16, fps: 8) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.mp4"])
    }
}
