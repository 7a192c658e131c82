// The paper's Figure 9 (App. B.2) for any run: eight panels of the logged curves — stage 1's r_f, r_t1, r_v1, total
// reward and thinking length, stage 2's r_v2, r_c2 and total reward — as SVG beside curves.svg. A row without a
// panel's quantity leaves that panel empty, so every run's figure has the same layout.
import Foundation
import Support

public enum GRPOFigures {
    /// Log key and panel title of each of Figure 9's panels, in the paper's order.
    public static let figureNinePanels: [(key: String, title: String)] = [
        ("r_f", "(a) format reward r_f (stage 1)"),
        ("r_t1", "(b) text fidelity r_t1 (stage 1)"),
        ("r_v1", "(c) video fidelity r_v1 (stage 1)"),
        ("r1_total", "(d) total reward (stage 1, λ-weighted raw)"),
        ("thinking_length", "(e) thinking length, words (stage 1)"),
        ("r_v2", "(f) video fidelity r_v2 (stage 2)"),
        ("r_c2", "(g) semantic alignment r_c2 (stage 2)"),
        ("r2_total", "(h) total reward (stage 2, λ-weighted raw)"),
    ]

    /// Writes `figure9.svg` into the run directory from its log.
    public static func writeFigureNine(run: TrainingRun, title: String) throws {
        let entries = try run.logEntries()
        let series = figureNinePanels.map { panel in
            ChartSeries(title: panel.title, points: entries.compactMap { entry in
                guard let step = entry["step"], let value = entry[panel.key] else { return nil }
                return (step, value)
            })
        }
        let svg = SVGChart.panels(series, title: title, columns: 4)
        try AtomicFile.write(Data(svg.utf8), to: run.directory.appendingPathComponent("figure9.svg"))
    }
}
