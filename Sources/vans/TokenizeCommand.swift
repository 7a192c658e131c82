import ArgumentParser
import Foundation
import Support
import Tokenizers
import Wan

/// `vans tokenize`: ids and token strings of a text under a Hugging Face tokenizer.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a Hugging Face tokenizer.json.",
        discussion: """
            Loads DIR/tokenizer.json (and DIR/tokenizer_config.json when present): byte-level BPE \
            (Qwen2, GPT-2, CLIP) or SentencePiece Unigram (T5, umT5). Prints the ids and the token strings.
            Exit codes: 0 success, 2 bad tokenizer file, 3 unreadable input file.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Folder holding tokenizer.json (or the path of a tokenizer.json file).", valueName: "DIR"))
    var tokenizer: String

    @Flag(name: .long, help: "Print {\"ids\": [...], \"tokens\": [...]} as JSON.")
    var json = false

    @Flag(name: .long, help: "Do not add the post-processor's special tokens (e.g. T5's </s>, CLIP's start/end).")
    var noSpecialTokens = false

    @Option(name: .long, help: ArgumentHelp("Truncate to this many ids (special tokens included).", valueName: "N"))
    var maxLength: Int?

    @Option(name: .long, help: ArgumentHelp("Read the text from this file instead of the argument.", valueName: "FILE"))
    var input: String?

    @Flag(name: .long, help: "Print only the id count and the encoding time in milliseconds (JSON with --json); for benchmarks.")
    var stats = false

    @Flag(name: .long, help: "Encode each line of the text on its own (line breaks not included) and print one result per line (JSON Lines with --json).")
    var eachLine = false

    @Flag(name: .long, help: "Clean the text as the Wan2.1 pipeline does before umT5 (ftfy's fix_text, HTML unescaping, whitespace collapsed).")
    var wanClean = false

    @Argument(help: "The text to tokenize (omit when --input is given).")
    var text: String?

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("Give either TEXT or --input FILE (exactly one).") }
        if let maxLength, maxLength < 0 { throw ValidationError("--max-length must be at least 0.") }
        if eachLine && stats { throw ValidationError("--each-line and --stats do not go together.") }
    }

    func run() async throws {
        let loaded: Tokenizer
        do {
            var isDirectory: ObjCBool = false
            let url = URL(fileURLWithPath: tokenizer)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                loaded = try Tokenizer(file: url)
            } else {
                loaded = try Tokenizer(directory: url)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var source = text ?? ""
        if let input {
            let data: Data
            do { data = try UserFile.read(input) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(3)
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                FileHandle.standardError.write(Data("error: \(input): cannot read as UTF-8 text\n".utf8))
                throw ExitCode(3)
            }
            source = decoded
        }
        if eachLine {
            try printEachLine(source, with: loaded)
            return
        }
        let started = DispatchTime.now().uptimeNanoseconds
        if wanClean { source = WanPromptCleaner().clean(source) }
        let ids: [Int]
        do {
            ids = try loaded.encode(source, addSpecialTokens: !noSpecialTokens, maxLength: maxLength)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        if stats {
            print(json ? "{\"count\":\(ids.count),\"milliseconds\":\(milliseconds)}" : "\(ids.count) ids in \(String(format: "%.1f", milliseconds)) ms")
            return
        }
        let tokens = ids.map { loaded.token(for: $0) ?? "" }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["ids": ids, "tokens": tokens], options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("ids: " + ids.map(String.init).joined(separator: " "))
            print("tokens: " + tokens.map { $0.debugDescription }.joined(separator: " "))
        }
    }

    /// One result per line of `source`: `{"ids": [...], "tokens": [...]}` per line with --json, else the ids.
    private func printEachLine(_ source: String, with loaded: Tokenizer) throws {
        let lines = TextLines.split(source)
        var output = ""
        let cleaner = WanPromptCleaner()
        for line in lines {
            let ids: [Int]
            let line = wanClean ? cleaner.clean(line) : line
            do { ids = try loaded.encode(line, addSpecialTokens: !noSpecialTokens, maxLength: maxLength) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            if json {
                let tokens = ids.map { loaded.token(for: $0) ?? "" }
                let data = try JSONSerialization.data(withJSONObject: ["ids": ids, "tokens": tokens], options: [.sortedKeys, .withoutEscapingSlashes])
                output += String(decoding: data, as: UTF8.self) + "\n"
            } else {
                output += ids.map(String.init).joined(separator: " ") + "\n"
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
