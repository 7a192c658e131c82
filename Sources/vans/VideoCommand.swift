// `vans video …`: inspect video files (the shots subcommand lives in VideoShotsCommand.swift).
import ArgumentParser
import Foundation
import VideoIO

struct VideoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Inspect video files and detect shots.",
        subcommands: [VideoInfoCommand.self]
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
