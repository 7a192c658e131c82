// Replays the committed fuzz seeds and every crasher ever found through the fuzz entry points: each input
// must be accepted or refused cleanly (a trap would end the test run), and quickly.
import Foundation
import FuzzTargets
import Testing

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    struct Input: Sendable, CustomTestStringConvertible {
        var target: FuzzTarget
        var path: String
        var testDescription: String { "\(target.rawValue)/\(URL(fileURLWithPath: path).lastPathComponent)" }
    }

    static let inputs: [Input] = {
        guard let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return [] }
        var inputs: [Input] = []
        for folder in ["corpus", "crashers"] {
            for target in FuzzTarget.allCases {
                let directory = fixtures.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
                for name in names.sorted() where !name.hasPrefix(".") {
                    inputs.append(Input(target: target, path: directory.appendingPathComponent(name).path))
                }
            }
        }
        return inputs
    }()

    @Test func everyTargetHasSeeds() {
        for target in FuzzTarget.allCases {
            #expect(Self.inputs.contains { $0.target == target && $0.path.contains("/corpus/") }, "no seeds for \(target.rawValue)")
        }
    }

    @Test(arguments: inputs)
    func replays(_ input: Input) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: input.path))
        // The bound is on this thread's CPU time (what a slow input costs), with a generous wall-clock guard
        // against hangs: the whole suite shares a few cores, so wall time alone measures the machine's load.
        let started = Date(), startedCPU = Self.threadCPUSeconds()
        input.target.run(data)
        #expect(Self.threadCPUSeconds() - startedCPU < 1, "\(input.testDescription) took more than a second of CPU")
        #expect(Date().timeIntervalSince(started) < 30, "\(input.testDescription) took more than 30 s")
    }

    // Replays run concurrently (as Swift Testing runs the cases above): readers that memory-map their scratch
    // file must each get their own, or one input's write truncates the file another is reading (SIGBUS).
    @Test func concurrentReplaysDoNotShareFiles() async throws {
        let seeds = Self.inputs.filter { $0.path.contains("/corpus/") && [.safetensorsReader, .pytorchArchive].contains($0.target) }
        let inputs = try seeds.map { ($0.target, try Data(contentsOf: URL(fileURLWithPath: $0.path))) }
        try #require(!inputs.isEmpty)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for round in 0..<3 {
                        for (index, (target, data)) in inputs.enumerated() where (index + round + worker) % 2 == 0 {
                            target.run(data)
                        }
                    }
                }
            }
        }
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
