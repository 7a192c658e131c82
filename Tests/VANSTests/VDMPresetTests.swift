// The VANS-Synth Wan preset: a written pipeline directory loads and renders through WanRenderPipeline, the
// tokenizer has umT5's special ids and segments the world's captions into whole words, and reference frames are
// chosen by one rule shared with the renderer.
import Foundation
import NN
import Tensor
import Testing
import Tokenizers
import VideoIO
import Wan
@testable import VANS

@Suite("VDM preset")
struct VDMPresetTests {
    // A pipeline written from the preset's models loads with WanRenderPipeline (every key verified by the loaders)
    // and renders a caption with and without reference frames at the requested size; weights round-trip exactly.
    @Test func pipelineRoundTrip() throws {
        let data = try VDMTestSupport.data(scenes: 1, size: 32)
        let vocabulary = WanUnigramVocabulary.pieces(from: data.texts).count
        let (preset, vae, text, transformer) = try VDMTestSupport.models(vocabularySize: vocabulary)
        let directory = try VDMTestSupport.temporaryDirectory("pipeline").appendingPathComponent("vdm-base")
        try VDMPipelineDirectory.write(to: directory, preset: preset, vae: vae, textEncoder: text, transformer: transformer,
                                       texts: data.texts, readme: "test")
        let pipeline = try WanRenderPipeline(directory: directory)
        #expect(try pipeline.conditioning() == WanConditioningConfiguration(mode: .sequence, referenceFrames: 6))
        #expect(try WanRenderProfile.load(directory: directory) == .vansSynth)
        let loaded = try WanTransformer3DModel.load(directory: pipeline.index.url(of: "transformer"))
        for (key, value) in transformer.parameters() { #expect(try loaded.parameters()[key]?.scalars == value.scalars, "\(key)") }
        var settings = WanRenderSettings()
        settings.frames = 5; settings.height = 32; settings.width = 32; settings.steps = 2; settings.fps = 8
        let frames = (0..<8).map { VideoFrame(width: 32, height: 32, pixels: [UInt8](repeating: UInt8($0 * 30), count: 32 * 32 * 3), index: $0) }
        for references in [[], ReferenceFrames.select(from: frames, count: 6)] {
            let result = try pipeline.render(caption: data.samples[0].caption, references: references, settings: settings)
            #expect(result.frames.count == 5 && result.frames.allSatisfy { $0.width == 32 && $0.height == 32 })
            #expect(result.referenceFrames == references.count)
            #expect(try result.video.scalars.allSatisfy(\.isFinite))
        }
    }

    // umT5's ids (<pad> 0, </s> 1, <unk> 2); captions become whole-word pieces then </s>; unseen words fall back
    // to characters, unseen characters to <unk>; the vocabulary size is what the preset's umT5 config gets.
    @Test func unigramTokenizer() throws {
        let texts = ["The yellow ball keeps rolling to the left.", "Take the purple block off the stack."]
        let tokenizer = try VDMTestSupport.tokenizer(texts: texts)
        #expect(tokenizer.id(for: "<pad>") == 0 && tokenizer.id(for: "</s>") == 1 && tokenizer.id(for: "<unk>") == 2)
        let ids = try tokenizer.encode(texts[0])
        #expect(tokenizer.tokens(for: ids) == ["▁The", "▁yellow", "▁ball", "▁keeps", "▁rolling", "▁to", "▁the", "▁left", ".", "</s>"])
        #expect(tokenizer.tokens(for: try tokenizer.encode("stake", addSpecialTokens: false)) == ["▁", "s", "t", "a", "k", "e"])
        #expect(try tokenizer.encode("ζ", addSpecialTokens: false).contains(2))
        #expect(tokenizer.vocabularySize == WanUnigramVocabulary.pieces(from: texts).count)
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == texts[0])
    }

    // n frames at round(linspace(0, F−1, n)), first and last included, the same indices the renderer's
    // vans_conditioning rule picks, and never more frames than the video has.
    @Test func referenceFrameSelection() {
        #expect(ReferenceFrames.indices(frameCount: 24, count: 6) == [0, 5, 9, 14, 18, 23])
        #expect(ReferenceFrames.indices(frameCount: 16, count: 6) == [0, 3, 6, 9, 12, 15])
        #expect(ReferenceFrames.indices(frameCount: 4, count: 6) == [0, 1, 2, 3])
        #expect(ReferenceFrames.indices(frameCount: 0, count: 6).isEmpty && ReferenceFrames.indices(frameCount: 9, count: 0).isEmpty)
        let rule = WanConditioningConfiguration(mode: .sequence, referenceFrames: 6)
        for frames in 1...40 { #expect(ReferenceFrames.indices(frameCount: frames, count: 6) == rule.referenceIndices(frameCount: frames)) }
        let video = (0..<20).map { VideoFrame(width: 1, height: 1, pixels: [UInt8($0), 0, 0], index: $0) }
        #expect(ReferenceFrames.select(from: video, count: 6).map(\.index) == [0, 4, 8, 11, 15, 19])
    }
}
