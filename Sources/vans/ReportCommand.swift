// `vans report ratings`: Table 5 of the paper from the ratings `vans serve --rate` stored.
import ArgumentParser
import Foundation
import VANS
import VANSServer

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print tables from stored results.",
        subcommands: [RatingsReportCommand.self]
    )
}

struct RatingsReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratings",
        abstract: "Table 5: mean 1–5 human ratings per system (semantic, visual, overall) with 95 % intervals.",
        discussion: """
            Reads DIR/ratings.sqlite, written by `vans serve --rate RESULTS --data DIR`. Each row is a system (a row of \
            the rated results); each cell the mean of its ratings with a 95 % percentile-bootstrap interval over the \
            individual ratings (seeded: the same table every time). Exit codes: 0 printed; 2 no ratings database or \
            no ratings in it.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The --data directory of `vans serve --rate`.", valueName: "DIR"))
    var data: String

    @Option(name: .long, help: "Bootstrap resamples.")
    var resamples = 1000

    @Option(name: .long, help: "Bootstrap seed.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Print the table as JSON (rows with value/lower/upper per criterion).")
    var json = false

    func validate() throws {
        guard resamples >= 1 else { throw ValidationError("--resamples must be at least 1, got \(resamples)") }
    }

    func run() throws {
        let records: [RatingRecord]
        do {
            records = try RatingStore(directory: URL(fileURLWithPath: data, isDirectory: true), createIfMissing: false).all()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard !records.isEmpty else {
            FileHandle.standardError.write(Data("error: \(data)/ratings.sqlite holds no ratings yet\n".utf8))
            throw ExitCode(2)
        }
        let table = RatingTable(records: records, bootstrap: Bootstrap(resamples: resamples, seed: seed))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(table), as: UTF8.self))
        } else {
            print(table.markdown, terminator: "")
        }
    }
}
