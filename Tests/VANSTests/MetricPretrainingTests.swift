import CLIP
import Data
import Foundation
import TestSupport
import I3D
import Testing
import Tokenizers
@testable import VANS

@Suite("VANS-Synth CLIP and I3D pretraining", .serialized) struct MetricPretrainingTests {
    static func temporary(_ name: String) -> URL {
        ScratchDirectory.root.appendingPathComponent("vans-\(name)-\(UUID().uuidString)")
    }

    static func clips() throws -> [MetricPretrainingClip] {
        try MetricPretrainingData.clips(in: try SynthSplits.training.get())
    }

    // The quick CLIP run lowers the loss, writes a directory CLIPBundle loads, and its tokenizer keeps the world's
    // words whole (merges learned from the captions).
    @Test func clipTrainsAndLoads() throws {
        let output = Self.temporary("clip")
        defer { try? FileManager.default.removeItem(at: output) }
        let clips = try Self.clips()
        let result = try CLIPPretraining.run(train: clips, evaluation: Array(clips.prefix(6)), parameters: .quick, output: output,
                                             resume: false, command: "test")
        #expect(result.finalLoss < result.firstLoss)
        #expect(result.retrievalAccuracy.map { (0...1).contains($0) } == true)
        let bundle = try CLIPBundle.load(directory: output)
        #expect(bundle.model.configuration.vision.imageSize == CLIPPretrainingParameters.quick.imageSize)
        // The most frequent word is one token between <|startoftext|> and <|endoftext|>; a caption needs fewer
        // tokens than it has characters.
        let tokens = try bundle.tokenize(["the", clips[0].caption])
        let text = bundle.model.configuration.text
        #expect(tokens.ids[0][0] == text.bosTokenId && tokens.ids[0][2] == text.eosTokenId)
        #expect(tokens.attentionMask[0].reduce(0, +) == 3)
        #expect(tokens.attentionMask[1].reduce(0, +) < clips[0].caption.count)
        for file in ["vocab.json", "merges.txt", "tokenizer_config.json", "preprocessor_config.json", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "missing \(file)")
        }
        #expect(try String(contentsOf: output.appendingPathComponent("README.md"), encoding: .utf8).contains("VANS-Synth CLIP"))
    }

    // A CLIP run stopped half-way and resumed logs exactly the losses of the uninterrupted run.
    @Test func clipResumesExactly() throws {
        let clips = try Self.clips()
        let straight = Self.temporary("clip-straight"), split = Self.temporary("clip-split")
        defer { for url in [straight, split] { try? FileManager.default.removeItem(at: url) } }
        let parameters = CLIPPretrainingParameters.quick
        _ = try CLIPPretraining.run(train: clips, evaluation: nil, parameters: parameters, output: straight, resume: false, command: "test")
        _ = try CLIPPretraining.run(train: clips, evaluation: nil, parameters: parameters, output: split, resume: false, command: "test",
                                    stoppingAfter: parameters.checkpointEvery)
        _ = try CLIPPretraining.run(train: clips, evaluation: nil, parameters: parameters, output: split, resume: true, command: "test")
        let log = { (url: URL) in try Data(contentsOf: url.appendingPathComponent("run/log.jsonl")) }
        #expect(try log(straight) == log(split))
        let weights = { (url: URL) in try Data(contentsOf: url.appendingPathComponent("model.safetensors")) }
        #expect(try weights(straight) == weights(split))
    }

    // I3D: the quick run writes weights `InceptionI3d.load` reads with one logit per event type, and a run resumed
    // after its first step logs the same losses as the uninterrupted one.
    @Test func i3dTrainsLoadsAndResumes() throws {
        let clips = try Self.clips()
        let straight = Self.temporary("i3d-straight"), split = Self.temporary("i3d-split")
        defer { for url in [straight, split] { try? FileManager.default.removeItem(at: url) } }
        let parameters = I3DPretrainingParameters.quick
        let result = try I3DPretraining.run(train: clips, evaluation: nil, parameters: parameters, output: straight, resume: false, command: "test")
        let model = try InceptionI3d.load(contentsOf: straight.appendingPathComponent(I3DPretraining.weightsFileName))
        #expect(model.configuration.numberOfClasses == result.eventTypes.count)
        #expect(result.firstLoss.isFinite && result.finalLoss.isFinite)
        // The first loss is ln(classes): the logits layer starts at zero.
        #expect(abs(result.firstLoss - log(Double(result.eventTypes.count))) < 1e-5)
        // "Kill" after step 1: a copy of the run whose latest checkpoint is step 1 (the I3D step is the slow part
        // of this suite, so the straight run's own checkpoints stand in for a second run).
        try FileManager.default.copyItem(at: straight, to: split)
        let checkpoints = split.appendingPathComponent("run/checkpoints")
        try FileManager.default.removeItem(at: checkpoints.appendingPathComponent("step-00000002"))
        try Data(#"{"checkpoint":"step-00000001"}"#.utf8).write(to: checkpoints.appendingPathComponent("latest.json"))
        _ = try I3DPretraining.run(train: clips, evaluation: nil, parameters: parameters, output: split, resume: true, command: "test")
        let log = { (url: URL) in try Data(contentsOf: url.appendingPathComponent("run/log.jsonl")) }
        #expect(try log(straight) == log(split))
    }

    // Learned merges are deterministic and every merge's result is in the vocabulary.
    @Test func tokenizerBuilderIsDeterministic() throws {
        let texts = ["The red ball rolls off the table.", "The blue ball rolls away.", "Stack the red block."]
        let first = try CLIPTokenizerFiles.learn(from: texts, maximumMerges: 50)
        let second = try CLIPTokenizerFiles.learn(from: texts, maximumMerges: 50)
        #expect(first.vocabulary == second.vocabulary)
        #expect(first.merges.map { $0.0 + " " + $0.1 } == second.merges.map { $0.0 + " " + $0.1 })
        for (left, right) in first.merges { #expect(first.vocabulary[left + right] != nil) }
        #expect(first.vocabulary["the</w>"] != nil)
        #expect(first.endID == first.vocabularySize - 1)
    }
}
