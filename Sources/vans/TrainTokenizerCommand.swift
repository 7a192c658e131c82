import ArgumentParser
import Data
import Foundation
import Support
import Tokenizers
import VANS

/// `vans train-tokenizer`: learns a small byte-level BPE (Qwen2.5-VL layout) from text files and VANS
/// manifests, for the synthetic world's models.
struct TrainTokenizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tokenizer",
        abstract: "Train a byte-level BPE tokenizer (Qwen2.5-VL layout) on text files or VANS manifests.",
        discussion: """
            Learns merges exactly as the `tokenizers` library's BpeTrainer does (same ids, same merges, same \
            tokenizer.json bytes) and writes OUTPUT/tokenizer.json and OUTPUT/tokenizer_config.json, which \
            `vans tokenize`, `tokenizers` and `transformers` load. Each line of a --text file is one sequence \
            (without its line break). From a --manifest every sample gives its question, its reasoning, its \
            answer caption and alternatives, and the answer in the paper's [Think]/[Ans] output format, so the \
            tags become tokens. Qwen2.5-VL's 22 added tokens follow the learned vocabulary.
            Exit codes: 0 success, 2 unreadable input, 3 nothing to train on, 4 cannot write the output.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A UTF-8 text file, one training sequence per line (repeatable).", valueName: "FILE"))
    var text: [String] = []

    @Option(name: .long, help: ArgumentHelp("A VANS manifest (manifest.jsonl, or the dataset folder holding one) (repeatable).", valueName: "FILE"))
    var manifest: [String] = []

    @Option(name: .long, help: ArgumentHelp("Folder to write tokenizer.json and tokenizer_config.json into (created if missing).", valueName: "DIR"))
    var output: String

    @Option(name: .long, help: "Vocabulary size to reach, the 256 byte characters and any --special-token included (added tokens come on top).")
    var vocabSize = 4096

    @Option(name: .long, help: "Never merge a pair seen fewer times than this.")
    var minFrequency = 2

    @Option(name: .long, help: ArgumentHelp("A special token to place at the start of the vocabulary (repeatable).", valueName: "TOKEN"))
    var specialToken: [String] = []

    @Flag(name: .long, help: "Print a JSON summary instead of a sentence.")
    var json = false

    func validate() throws {
        if text.isEmpty && manifest.isEmpty { throw ValidationError("Give at least one --text FILE or --manifest FILE.") }
        if vocabSize < 257 + specialToken.count {
            throw ValidationError("--vocab-size must leave room past the 256 byte characters and the special tokens (at least \(257 + specialToken.count)).")
        }
        if minFrequency < 0 { throw ValidationError("--min-frequency must be at least 0.") }
    }

    struct Summary: Encodable {
        let output: String
        let vocabularySize: Int
        let merges: Int
        let addedTokens: Int
        let sequences: Int
        let seconds: Double
    }

    func run() async throws {
        let started = Date()
        let sequences: [String]
        do { sequences = try collectSequences() } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard sequences.contains(where: { !$0.isEmpty }) else {
            FileHandle.standardError.write(Data("error: the inputs hold no text to train on\n".utf8))
            throw ExitCode(3)
        }
        let trainer = BPETrainer(vocabularySize: vocabSize, minimumFrequency: minFrequency, specialTokens: specialToken)
        let progress = ProgressBar(total: max(1, vocabSize - 256 - specialToken.count), label: "merges")
        var reported = 0
        let trained = try trainer.train(texts: sequences, preset: .qwen2VL) { done, _ in
            progress.advance(by: done - reported)
            reported = done
        }
        progress.finish()
        let directory = URL(fileURLWithPath: output)
        do { try trained.write(to: directory) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(4)
        }
        let summary = Summary(output: directory.path, vocabularySize: trained.vocabulary.tokens.count,
                              merges: trained.vocabulary.merges.count, addedTokens: trained.addedTokens.count,
                              sequences: sequences.count, seconds: Date().timeIntervalSince(started))
        if json {
            try printSnakeCaseJSON(summary)
        } else {
            print("learned \(summary.vocabularySize) tokens (\(summary.merges) merges) + \(summary.addedTokens) added tokens "
                  + "from \(summary.sequences) sequences in \(String(format: "%.1f", summary.seconds)) s: \(summary.output)")
        }
    }

    /// Every training sequence, files first, in the order given.
    private func collectSequences() throws -> [String] {
        var sequences: [String] = []
        for path in text {
            let data: Data
            do { data = try UserFile.read(path) } catch { throw TokenizerError.unreadableFile(path: path, reason: error.reason) }
            guard String(validating: data, as: UTF8.self) != nil else {
                throw TokenizerError.unreadableFile(path: path, reason: "not valid UTF-8")
            }
            sequences += TextLines.split(data).map { String(decoding: $0, as: UTF8.self) }
        }
        let format = AnswerFormat()
        for path in manifest {
            var url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                url = url.appendingPathComponent(Manifest.fileName)
            }
            for sample in try Manifest.read(from: url) {
                sequences += [sample.question, sample.reasoning, sample.answerCaption] + sample.answerAlternatives
                sequences.append(format.format(reasoning: sample.reasoning, answer: sample.answerCaption))
            }
        }
        return sequences
    }
}
