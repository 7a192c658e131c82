// `vans data curate`: raw videos and their annotations in, VNEP samples out (paper Sec. 3), resumable.
import ArgumentParser
import Curation
import Data
import Foundation

struct CurateDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curate",
        abstract: "Curate VNEP samples from annotated or raw videos (shots → clips → QA → samples), resumably.",
        discussion: """
            Reads the sources listed in CONFIG (JSON: {"sources": [{"name", "format", "annotations", "videos", \
            "kind", "subset", "ids", "limit"}]}, formats coin, youcook2, activitynet, v1-33k, video-holmes, videos), \
            splits each video into shots (annotated steps, or the content detector for raw videos; shots under \
            3 s dropped), picks a 3–5 s clip per shot, writes question/reasoning/answer with a self-check, and cuts \
            the input and answer clips. Every unit is recorded in DIR/jobs.sqlite: rerunning the same command after \
            a crash resumes without duplicating samples. With --vlm or --endpoint a VLM scores clips and writes the \
            QA; without, clips are chosen by visual quality and the QA comes from templates over the captions. \
            The API key of --endpoint is read from the environment variable named by --api-key-env, never from \
            the command line. Exit codes: 0 done, 1 curation failed, 64 bad option or configuration.
            """
    )

    @Option(name: .long, help: "The sources configuration file (JSON); not needed with --worker.")
    var sources: String?

    @Option(name: .long, help: "Output directory: videos/, manifest.jsonl, jobs.sqlite, summary.json.")
    var out: String

    @Option(name: .long, help: "Videos curated at once.")
    var workers: Int = 1

    @Option(name: .long, help: "A local Qwen2.5-VL directory to use as the VLM.")
    var vlm: String?

    @Option(name: .long, help: "An OpenAI-compatible API base URL (e.g. http://host:8000/v1) to use as the VLM.")
    var endpoint: String?

    @Option(name: .long, help: "The model name sent to --endpoint.")
    var model: String?

    @Option(name: .long, help: "Environment variable holding the --endpoint API key.")
    var apiKeyEnv: String = "VANS_VLM_API_KEY"

    @Option(name: .long, help: "Seconds before a VLM request times out.")
    var timeout: Double = 120

    @Option(name: .long, help: "Retries of a VLM request on 429, 5xx or timeouts (exponential backoff).")
    var retries: Int = 4

    @Option(name: .long, help: "VLM requests in flight at once (--endpoint).")
    var vlmConcurrency: Int = 4

    @Option(name: .long, help: "A folder of prompt files (<name>.txt) overriding the built-in prompts.")
    var prompts: String?

    @Option(name: .long, help: "Clips before the target that make up the input video.")
    var context: Int = 2

    @Option(name: .long, help: "Shortest shot kept, seconds (the paper's filter is 3).")
    var minShotSeconds: Double = 3

    @Option(name: .long, help: "Keep the job table and the video queue in PostgreSQL (postgres://user@host[:port]/db; password from $PGPASSWORD) so workers on several machines share it; --out must then be shared storage.")
    var queue: String?

    @Option(name: .long, help: "With --queue: hand a video out again when its worker claimed it this many seconds ago and never finished (a dead worker).")
    var reclaimAfter: Int = 3600

    @Flag(name: .long, help: "With --queue: only pull videos others queued (no --sources needed).")
    var worker = false

    @Flag(name: .long, help: "Print the summary as JSON on standard output.")
    var json = false

    func run() async throws {
        guard workers >= 1, context >= 1, retries >= 0, vlmConcurrency >= 1, timeout > 0, minShotSeconds >= 0 else {
            printCurateError("--workers, --context and --vlm-concurrency must be ≥ 1, --retries ≥ 0, --timeout > 0")
            throw ExitCode(64)
        }
        guard vlm == nil || endpoint == nil else {
            printCurateError("use either --vlm or --endpoint, not both")
            throw ExitCode(64)
        }
        guard sources != nil || worker else {
            printCurateError("--sources is required (unless --worker with --queue)")
            throw ExitCode(64)
        }
        guard !worker || queue != nil else {
            printCurateError("--worker needs --queue postgres://…")
            throw ExitCode(64)
        }
        let configURL = URL(fileURLWithPath: sources ?? ".")
        let output = URL(fileURLWithPath: out)
        let stages: CurationStages
        var importResults: [ImportResult] = []
        do {
            if sources != nil {
                let configuration = try SourcesConfiguration.load(configURL)
                for importer in configuration.importers(relativeTo: configURL.deletingLastPathComponent()) {
                    importResults.append(try importer.run())
                }
            }
            let library = try PromptLibrary(overrides: prompts.map { URL(fileURLWithPath: $0) })
            let splitter = StandardShotSplitter(minimumSeconds: minShotSeconds)
            var client: (any VLMClient)?
            if let endpoint {
                guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", let model else {
                    printCurateError("--endpoint needs an http(s) URL and --model")
                    throw ExitCode(64)
                }
                var options = OpenAIChatOptions()
                options.timeoutSeconds = timeout
                options.retries = retries
                options.concurrency = vlmConcurrency
                client = OpenAIChatClient(endpoint: url, model: model, apiKeyVariable: apiKeyEnv, options: options)
            } else if let vlm {
                client = try LocalQwenClient(directory: URL(fileURLWithPath: vlm), scratch: output.appendingPathComponent("tmp"))
            }
            if let client {
                stages = CurationStages(splitter: splitter, chooser: VLMClipChooser(client: client, prompts: library),
                                        generator: VLMQAGenerator(client: client, prompts: library))
            } else {
                stages = CurationStages(splitter: splitter, chooser: QualityClipChooser(), generator: TemplateQAGenerator())
            }
        } catch let error as CurationError {
            printCurateError(error.description)
            throw ExitCode(64)
        } catch let error as ExitCode {
            throw error
        } catch {
            printCurateError("\(error)")
            throw ExitCode(64)
        }
        let videos = importResults.flatMap(\.videos)
        let problems = importResults.flatMap(\.problems)
        for problem in problems { FileHandle.standardError.write(Data("skipped: \(problem)\n".utf8)) }
        var options = CurationOptions()
        options.workers = workers
        options.contextEvents = context
        options.showProgress = !json
        options.stallAfterSamples = ProcessInfo.processInfo.environment["VANS_CURATE_STALL_AFTER_SAMPLES"].flatMap { Int($0) }
        let summary: CurationSummary
        do {
            if let queue {
                let store = try await PostgresJobStore(url: queue, reclaimAfterSeconds: reclaimAfter)
                do {
                    if !worker { try await store.enqueue(videos) }
                    let runner = try CurationRunner(output: output, stages: stages, options: options, store: store)
                    let name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
                    summary = try await runner.runWorker(queue: store, worker: name)
                    await store.shutdown()
                } catch {
                    await store.shutdown()
                    throw error
                }
            } else {
                let runner = try CurationRunner(output: output, stages: stages, options: options)
                summary = try await runner.run(videos, importProblems: problems, skippedEntries: importResults.map(\.skippedEntries).reduce(0, +))
            }
        } catch {
            printCurateError("\(error)")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.table)
            print("wrote \(output.appendingPathComponent(Manifest.fileName).path)")
        }
    }
}

private func printCurateError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}
