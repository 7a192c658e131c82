// The VLM trainers' data: a VANS manifest (made on the spot from the synthetic world's train split when the folder
// has none) turned into processed training examples, each distinct video decoded and patchified once.
import Data
import Foundation
import QwenVL
import Support
import Tokenizers

/// Training data for the VLM trainers.
public enum VLMTrainingData {
    /// The question of the generic describing task on answer clips (pretraining).
    public static let describeEventQuestion = "Describe what happens in the video."
    /// The question of the generic describing task on input clips (pretraining).
    public static let describeSceneQuestion = "Describe the video."

    /// The samples of `directory`'s manifest; when it has none, writes a VANS-Synth train split of `count`
    /// samples from `seed` there first. Samples from the synthetic eval split are refused, so evaluation stays
    /// disjoint from training.
    public static func samples(directory: URL, count: Int, seed: UInt64, progress: ProgressBar? = nil) throws -> [DatasetSample] {
        let manifest = directory.appendingPathComponent(Manifest.fileName)
        if !FileManager.default.fileExists(atPath: manifest.path) {
            _ = try SynthDataset.write(SynthConfiguration(count: count, seed: seed, split: .train), to: directory, progress: progress)
        }
        let samples = try Manifest.read(from: manifest)
        guard !samples.isEmpty else { throw TrainingError.data("\(manifest.path) holds no samples") }
        if let leaked = samples.first(where: { $0.sceneSeed.map { SynthWorld.split(ofSceneSeed: $0) == .eval } ?? false }) {
            throw TrainingError.data("\(manifest.path): sample \(leaked.id) comes from the synthetic eval split; train on a train split")
        }
        return samples
    }

    /// Every text a VANS-Synth model reads or writes in these samples (the tokenizer's training text): questions,
    /// reasoning, captions and their alternative wordings, the [Think]/[Ans] answers, and the fixed prompts.
    public static func texts(of samples: [DatasetSample]) -> [String] {
        let format = AnswerFormat()
        var texts = [describeEventQuestion, describeSceneQuestion, ChatTemplate.vansSystemPrompt, ChatTemplate.defaultSystemPrompt]
        for sample in samples {
            texts += [sample.question, sample.reasoning, sample.answerCaption] + sample.answerAlternatives
            texts.append(format.format(reasoning: sample.reasoning, answer: sample.answerCaption))
        }
        return texts
    }

    /// Decodes and patchifies each distinct video once.
    final class VideoCache {
        let root: URL
        let processor: QwenVLProcessor
        var videos: [String: QwenVLVideoInput] = [:]

        init(root: URL, processor: QwenVLProcessor) {
            self.root = root
            self.processor = processor
        }

        func video(_ relative: String) throws -> QwenVLVideoInput {
            if let cached = videos[relative] { return cached }
            let path = root.appendingPathComponent(relative).path
            let video: QwenVLVideoInput
            do { video = try processor.videoProcessor.process(path: path) } catch {
                throw TrainingError.data("\(path): \(error)")
            }
            videos[relative] = video
            return video
        }
    }

    /// The observation part of a VANS-Synth reasoning text: its sentences up to the first one that infers or
    /// supposes ("So …", "If …", "Without …", "Sorting by …", "The next stroke …"), at least the first sentence.
    /// It describes what the input clip shows without saying what comes next.
    public static func sceneDescription(reasoning: String) -> String {
        let sentences = reasoning.split(separator: ". ", omittingEmptySubsequences: true).map(String.init)
        let inferring = ["So ", "If ", "Without ", "Sorting by ", "The next stroke", "Undo", "Thus "]
        var kept: [String] = []
        for sentence in sentences {
            if !kept.isEmpty && inferring.contains(where: { sentence.hasPrefix($0) }) { break }
            kept.append(sentence)
        }
        let text = kept.joined(separator: ". ")
        return text.hasSuffix(".") ? text : text + "."
    }

    /// Pretraining examples (generic video description, not yet the [Think]/[Ans] format): every answer clip
    /// described by each wording of its caption, and every input clip by ``sceneDescription(reasoning:)`` of its
    /// first sample (one per distinct input clip).
    public static func pretrainingExamples(samples: [DatasetSample], root: URL, processor: QwenVLProcessor,
                                           progress: ProgressBar? = nil) throws -> [QwenVLTrainingExample] {
        let cache = VideoCache(root: root, processor: processor)
        var examples: [QwenVLTrainingExample] = []
        var describedInputs = Set<String>()
        for sample in samples {
            let answer = try cache.video(sample.answerVideo)
            var wordings: [String] = []
            for wording in [sample.answerCaption] + sample.answerAlternatives where !wordings.contains(wording) { wordings.append(wording) }
            for wording in wordings {
                examples.append(try processor.trainingExample(question: describeEventQuestion, video: answer, answer: wording))
            }
            if describedInputs.insert(sample.inputVideo).inserted {
                examples.append(try processor.trainingExample(question: describeSceneQuestion, video: try cache.video(sample.inputVideo),
                                                              answer: sceneDescription(reasoning: sample.reasoning)))
            }
            progress?.advance(by: 1)
        }
        progress?.finish()
        return examples
    }

    /// SFT examples (paper, App. C.1): (input video, question) → `[Think]reasoning[/Think][Ans]caption[/Ans]`.
    public static func fineTuningExamples(samples: [DatasetSample], root: URL, processor: QwenVLProcessor,
                                          format: AnswerFormat = AnswerFormat(), progress: ProgressBar? = nil) throws -> [QwenVLTrainingExample] {
        let cache = VideoCache(root: root, processor: processor)
        var examples: [QwenVLTrainingExample] = []
        for sample in samples {
            examples.append(try processor.trainingExample(question: sample.question, video: try cache.video(sample.inputVideo),
                                                          answer: format.format(reasoning: sample.reasoning, answer: sample.answerCaption)))
            progress?.advance(by: 1)
        }
        progress?.finish()
        return examples
    }
}
