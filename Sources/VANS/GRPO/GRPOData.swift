// What Joint-GRPO reads from disk: the training samples of a VANS manifest (input video, question, ground-truth
// caption and video; paper App. C.1 uses 1K samples for RL).
import Data
import Foundation
import QwenVL
import VideoIO

/// Training samples from a manifest.
public enum GRPOData {
    /// Reads `directory/manifest.jsonl` (or a manifest file) and decodes every sample's input and answer videos
    /// (at most `limit` samples, in manifest order).
    public static func load(_ path: URL, limit: Int? = nil) throws -> [GRPOSample] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw TrainingError.data("\(path.path) does not exist")
        }
        let manifest = isDirectory.boolValue ? path.appendingPathComponent(Manifest.fileName) : path
        let directory = manifest.deletingLastPathComponent()
        var samples = try Manifest.read(from: manifest)
        if let limit { samples = Array(samples.prefix(max(0, limit))) }
        guard !samples.isEmpty else { throw TrainingError.data("\(manifest.path) holds no samples") }
        return try samples.map { sample in
            let input = sample.inputURL(in: directory), answer = sample.answerURL(in: directory)
            let inputFrames: [VideoFrame], answerFrames: [VideoFrame]
            do {
                inputFrames = try VideoDecoder(path: input.path).decodeAll()
                answerFrames = try VideoDecoder(path: answer.path).decodeAll()
            } catch {
                throw TrainingError.data("sample \(sample.id): \(error)")
            }
            guard !inputFrames.isEmpty, !answerFrames.isEmpty else {
                throw TrainingError.data("sample \(sample.id): \(inputFrames.isEmpty ? input.path : answer.path) has no frames")
            }
            return GRPOSample(id: sample.id, question: sample.question, inputVideo: input, inputFrames: inputFrames,
                              groundTruthCaption: sample.answerCaption, groundTruthVideo: answerFrames)
        }
    }
}
