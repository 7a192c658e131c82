// `vans video …`: inspect video files (the shots subcommand lives in VideoShotsCommand.swift).
import ArgumentParser
import Foundation
import Support
import VideoIO

struct VideoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Inspect video files and detect shots.",
        subcommands: [VideoInfoCommand.self, VideoDecodeCommand.self, VideoShotsCommand.self]
    )
}

/// `vans video info FILE [--json]`: stream facts without decoding frames.
struct VideoInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a video's duration, frame rate, size, frame count and codec.",
        discussion: """
            Reads the container header of FILE (any format FFmpeg reads) and reports its best video stream.
            The frame count is the container's when it stores one, otherwise the number of video packets.
            Exit status: 0 on success, 1 when the file is missing, unreadable, corrupt or has no video stream.
            """
    )

    @Argument(help: "The video file to inspect.")
    var file: String

    @Flag(help: "Print one JSON object: path, duration, fps, width, height, frame_count, codec.")
    var json = false

    func run() async throws {
        let info: VideoInfo
        do {
            info = try VideoInfo(contentsOf: file)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(info)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("""
                file:        \(info.path)
                codec:       \(info.codec)
                size:        \(info.width)×\(info.height)
                fps:         \(String(format: "%.6g", info.fps))
                duration:    \(String(format: "%.3f", info.duration)) s
                frames:      \(info.frameCount)
                """)
        }
    }
}

/// `vans video decode FILE --output PATH`: raw RGB24 frames, as `ffmpeg -f rawvideo -pix_fmt rgb24` writes them.
struct VideoDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a video's frames to raw RGB24 bytes (height·width·3 per frame, in display order).",
        discussion: """
            Writes every frame of FILE's best video stream, converted with swscale, to --output ('-' for standard
            output; a file is written atomically). With --json, prints the frame count, size and seconds taken.
            Exit status: 0 on success, 1 for unreadable, corrupt or unsupported input, 2 for bad options.
            """
    )

    @Argument(help: "The video file to decode.")
    var file: String

    @Option(name: .shortAndLong, help: "Where to write the raw frames: a file path, or '-' for standard output.")
    var output: String

    @Option(help: "Output width in pixels (default: the stream's).")
    var width: Int?

    @Option(help: "Output height in pixels (default: the stream's).")
    var height: Int?

    @Option(help: "Decoder threads; 0 lets FFmpeg choose, like the ffmpeg command line.")
    var threads = 0

    @Flag(help: "Print {frames, width, height, seconds} as JSON on standard error.")
    var json = false

    func validate() throws {
        if let width, width <= 0 { throw ValidationError("--width must be positive") }
        if let height, height <= 0 { throw ValidationError("--height must be positive") }
        if threads < 0 { throw ValidationError("--threads must be ≥ 0") }
    }

    func run() async throws {
        let start = Date()
        var count = 0
        var size = (0, 0)
        var decodeError: Error?
        do {
            let decoder = try VideoDecoder(path: file, threads: threads)
            let sink: (FileHandle) throws -> Void = { handle in
                do {
                    try decoder.forEachFrame(width: width, height: height) { frame in
                        try handle.write(contentsOf: frame.pixels)
                        count += 1
                        size = (frame.width, frame.height)
                        return true
                    }
                } catch {
                    decodeError = error
                    throw error
                }
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: output)
            if output == "-" {
                try sink(FileHandle.standardOutput)
            } else if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
                // A device or pipe (e.g. /dev/null) is written in place; renaming over it would replace it.
                guard let handle = FileHandle(forWritingAtPath: output) else {
                    throw ValidationError("cannot open \(output) for writing")
                }
                try sink(handle)
            } else {
                try AtomicFile.write(to: URL(fileURLWithPath: output), sink)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(decodeError ?? error)\n".utf8))
            throw ExitCode.failure
        }
        if json {
            let seconds = Date().timeIntervalSince(start)
            let line = "{\"frames\":\(count),\"width\":\(size.0),\"height\":\(size.1),\"seconds\":\(seconds)}\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
