import Foundation
import Support
import Testing

@Suite("Stage bars")
struct StageBarsTests {
    // Counts and totals add up per stage from many threads; unknown stages are ignored; notes replace each other.
    @Test func countsFromManyThreads() async {
        let bars = StageBars(stages: ["clips", "qa"], enabled: false)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    bars.add("clips", total: 2)
                    bars.add("clips", done: 1)
                    bars.add("nosuch", done: 5)
                }
            }
        }
        bars.note("qa", "1 rejected")
        bars.note("qa", "2 rejected")
        #expect(bars.snapshot == [StageBars.Row(name: "clips", done: 100, total: 200, note: ""),
                                  StageBars.Row(name: "qa", done: 0, total: 0, note: "2 rejected")])
    }

    // One aligned line per stage (bar filled in proportion, counts right-aligned, note after), then the elapsed time.
    @Test func rendering() {
        let bars = StageBars(stages: [], enabled: false)
        let text = bars.render([StageBars.Row(name: "videos", done: 5, total: 10, note: ""),
                                StageBars.Row(name: "qa", done: 12, total: 12, note: "1 rejected"),
                                StageBars.Row(name: "samples", done: 0, total: 0, note: "")], elapsed: 2.5)
        #expect(text == """
            videos  ████████████░░░░░░░░░░░░  5/10
            qa      ████████████████████████ 12/12  1 rejected
            samples ░░░░░░░░░░░░░░░░░░░░░░░░  0/0
              elapsed 2.5s

            """)
    }
}
