import CLIP
import Foundation
import TestSupport
import Testing
import VideoIO
@testable import VideoMetrics

@Suite struct FrameResamplingTests {
    // round(linspace(0, n − 1, F)) with half-to-even rounding, first and last kept, repeats when upsampling.
    @Test func indicesFollowNumpy() {
        #expect(FrameResampling.indices(sourceCount: 9, count: 5) == [0, 2, 4, 6, 8])
        #expect(FrameResampling.indices(sourceCount: 3, count: 4) == [0, 1, 1, 2])
        #expect(FrameResampling.indices(sourceCount: 4, count: 1) == [0])
        #expect(FrameResampling.indices(sourceCount: 6, count: 3) == [0, 2, 5])  // 2.5 rounds to even 2
        #expect(FrameResampling.indices(sourceCount: 33, count: 33) == Array(0 ..< 33))
        #expect(FrameResampling.indices(sourceCount: 0, count: 3).isEmpty)
    }
}

@Suite struct CLIPSimilarityTests {
    // Cosines are scale-free; CLIP-V averages frame cosines after resampling the reference.
    @Test func videoSimilarityAveragesResampledFrameCosines() throws {
        let generated: [[Float]] = [[1, 0], [0, 2], [3, 3]]
        let reference: [[Float]] = [[2, 0], [-1, 0]]   // resampled to indices [0, 0, 1] (0.5 rounds to 0)
        let value = try CLIPSimilarity.videoSimilarity(generated: generated, reference: reference)
        #expect(abs(value - (1 + 0 - 0.5.squareRoot()) / 3) < 1e-12)
        #expect(throws: VideoMetricsError.self) { try CLIPSimilarity.videoSimilarity(generated: [], reference: reference) }
    }

    // CLIP-T averages raw cosines; CLIPScore clamps negatives to 0 and scales by 2.5.
    @Test func textSimilarityForms() throws {
        let frames: [[Float]] = [[1, 0], [-1, 0], [0, 1]]
        let text: [Float] = [1, 0]
        #expect(abs(try CLIPSimilarity.textSimilarity(frames: frames, text: text) - 0) < 1e-12)
        #expect(abs(try CLIPSimilarity.textSimilarity(frames: frames, text: text, form: .clipScore) - 2.5 / 3) < 1e-12)
    }

    // Pooled aggregation: one cosine of the renormalised means of the unit frame embeddings.
    @Test func pooledAggregation() throws {
        let frames: [[Float]] = [[2, 0], [0, 5]]            // unit mean (0.5, 0.5)
        let reference: [[Float]] = [[1, 0]]                 // resampled to [0, 0]: mean (1, 0)
        #expect(abs(try CLIPSimilarity.videoSimilarity(generated: frames, reference: reference, aggregation: .pooled) - 0.5.squareRoot()) < 1e-12)
        #expect(abs(try CLIPSimilarity.textSimilarity(frames: frames, text: [0, -3], aggregation: .pooled) + 0.5.squareRoot()) < 1e-12)
        #expect(try CLIPSimilarity.textSimilarity(frames: frames, text: [0, -3], form: .clipScore, aggregation: .pooled) == 0)
        // Mean of cosines differs on the same input: (1 + 0) / 2.
        #expect(abs(try CLIPSimilarity.videoSimilarity(generated: frames, reference: reference) - 0.5) < 1e-12)
    }

    // A group's generated and reference videos are embedded in one call, captions in another.
    @Test func metricsBatchOneEmbeddingPassPerGroup() throws {
        final class CountingEmbedder: VideoEmbedding {
            var frameCalls = 0, textCalls = 0
            func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]] {
                frameCalls += 1
                return videos.map { $0.map { [Float($0.pixels[0]), 1] } }
            }
            func textEmbeddings(_ texts: [String]) throws -> [[Float]] {
                textCalls += 1
                return texts.map { _ in [0, 1] }
            }
        }
        func video(_ values: [UInt8]) -> [VideoFrame] { values.map { VideoFrame(width: 1, height: 1, pixels: [$0, 0, 0]) } }
        let embedder = CountingEmbedder()
        let scores = try CLIPVideoMetrics(embedder: embedder).scores(
            generated: (0 ..< 8).map { video([UInt8($0), 1]) }, reference: (0 ..< 8).map { _ in video([0]) },
            captions: (0 ..< 8).map { "caption \($0)" })
        #expect(embedder.frameCalls == 1 && embedder.textCalls == 1 && scores.count == 8)
        // Video 0: frames (0,1) and (1,1) against (0,1): cosines 1 and 1/√2.
        #expect(abs(scores[0].clipV - (1 + 0.5.squareRoot()) / 2) < 1e-12)
        #expect(abs(scores[0].clipT! - (1 + 0.5.squareRoot()) / 2) < 1e-12)
    }
}

@Suite struct CLIPVideoMetricsEndToEndTests {
    struct Expected: Decodable {
        struct Video: Decodable {
            var video: String
            var clip_v: Double
            var clip_t: Double
            var clipscore: Double
            var reference_indices: [Int]
            var input_ids: [Int]
        }
        var clip_v: Double
        var clip_t: Double
        var videos: Int
        var per_video: [Video]
    }

    static func root() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/clip_metrics", withExtension: nil))
    }

    // MP4s and captions in, CLIP-V / CLIP-T / CLIPScore out, within 1e-5 of transformers on the same frames.
    @Test(arguments: ["captions.txt", "captions.jsonl"])
    func matchesTransformers(_ captionFile: String) throws {
        let root = try Self.root()
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: root.appendingPathComponent("expected.json")))
        let pairs = try VideoPairs(generated: root.appendingPathComponent("generated"), reference: root.appendingPathComponent("reference"))
        #expect(pairs.names == expected.per_video.map(\.video))
        let captions = try VideoPairs.captions(file: root.appendingPathComponent(captionFile), names: pairs.names)
        let clip = try CLIPBundle.load(directory: root.appendingPathComponent("model"))
        // The tokenizer gives the reference's ids (including truncation of the long caption).
        let (ids, _) = try clip.tokenize(captions)
        #expect(ids == expected.per_video.map(\.input_ids))
        let generated = try pairs.names.map { try VideoDecoder(path: pairs.generated.appendingPathComponent($0).path).decodeAll() }
        let reference = try pairs.names.map { try VideoDecoder(path: pairs.reference.appendingPathComponent($0).path).decodeAll() }
        for (index, video) in expected.per_video.enumerated() {
            #expect(FrameResampling.indices(sourceCount: reference[index].count, count: generated[index].count) == video.reference_indices)
        }
        let embedder = CLIPVideoEmbedder(clip: clip, maximumBatch: 4)   // several chunks: chunking must not matter
        let scores = try CLIPVideoMetrics(embedder: embedder).scores(generated: generated, reference: reference, captions: captions)
        let clipScores = try CLIPVideoMetrics(embedder: embedder, textForm: .clipScore)
            .scores(generated: generated, reference: reference, captions: captions)
        for (index, video) in expected.per_video.enumerated() {
            #expect(abs(scores[index].clipV - video.clip_v) < 1e-5)
            #expect(abs(scores[index].clipT! - video.clip_t) < 1e-5)
            #expect(abs(clipScores[index].clipT! - video.clipscore) < 1e-5)
        }
        #expect(abs(scores.map(\.clipV).reduce(0, +) / 3 - expected.clip_v) < 1e-5)
        #expect(abs(scores.map { $0.clipT! }.reduce(0, +) / 3 - expected.clip_t) < 1e-5)
    }

    // The command's report: per-video numbers in file-name order, means over videos, clip_t null without captions.
    @Test func reportFollowsTheReference() throws {
        let root = try Self.root()
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: root.appendingPathComponent("expected.json")))
        let pairs = try VideoPairs(generated: root.appendingPathComponent("generated"), reference: root.appendingPathComponent("reference"))
        let metrics = CLIPVideoMetrics(embedder: CLIPVideoEmbedder(clip: try CLIPBundle.load(directory: root.appendingPathComponent("model"))))
        var calls = 0
        let report = try metrics.evaluate(pairs: pairs, captions: try VideoPairs.captions(file: root.appendingPathComponent("captions.txt"), names: pairs.names)) { calls += 1 }
        #expect(calls == 3 && report.videos == expected.videos && report.perVideo.map(\.video) == pairs.names)
        #expect(abs(report.clipV - expected.clip_v) < 1e-5 && abs(report.clipT! - expected.clip_t) < 1e-5)
        let withoutCaptions = try metrics.evaluate(pairs: pairs, captions: nil)
        let json = String(decoding: try JSONEncoder().encode(withoutCaptions), as: UTF8.self)
        #expect(json.contains("\"clip_t\":null") && withoutCaptions.clipT == nil)
    }

    // Unpaired names and caption files of the wrong length are errors listing what is wrong.
    @Test func pairingErrorsListNames() throws {
        let root = try Self.root()
        let temporary = ScratchDirectory.root.appendingPathComponent("clip-pairs-\(UUID())")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: root.appendingPathComponent("reference/alpha.mp4"), to: temporary.appendingPathComponent("alpha.mp4"))
        try FileManager.default.copyItem(at: root.appendingPathComponent("reference/beta.mp4"), to: temporary.appendingPathComponent("delta.mp4"))
        do {
            _ = try VideoPairs(generated: root.appendingPathComponent("generated"), reference: temporary)
            Issue.record("unpaired videos were accepted")
        } catch {
            #expect(error.description.contains("beta.mp4") && error.description.contains("gamma.mp4") && error.description.contains("delta.mp4"))
        }
        let captions = temporary.appendingPathComponent("captions.txt")
        try Data("one\ntwo\n".utf8).write(to: captions)
        #expect(throws: VideoMetricsError.self) { try VideoPairs.captions(file: captions, names: ["a", "b", "c"]) }
        try Data("{\"video\": \"a\", \"caption\": \"x\"}\n".utf8).write(to: captions)
        do {
            _ = try VideoPairs.captions(file: captions, names: ["a", "b"])
            Issue.record("a missing caption was accepted")
        } catch { #expect(error.description.contains("b")) }
    }
}
