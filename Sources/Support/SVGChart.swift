// Loss and reward curves as standalone SVG (no plotting library on the machine, and SVG opens in any browser):
// small multiples, one panel per series, the raw values faint and an exponential moving average on top.
import Foundation

/// One named series of (x, y) points.
public struct ChartSeries: Sendable, Equatable {
    public var title: String
    public var points: [(x: Double, y: Double)]

    public init(title: String, points: [(x: Double, y: Double)]) {
        self.title = title
        self.points = points
    }

    public static func == (lhs: ChartSeries, rhs: ChartSeries) -> Bool {
        lhs.title == rhs.title && lhs.points.count == rhs.points.count
            && zip(lhs.points, rhs.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }
}

/// Small-multiple line charts rendered to SVG text.
public enum SVGChart {
    /// An SVG document with one panel per series, `columns` panels per row. Non-finite points are skipped;
    /// `smoothing` in [0, 1) is the EMA weight of the highlighted line (0 draws the raw line only).
    public static func panels(_ series: [ChartSeries], title: String, xLabel: String = "step",
                              columns: Int = 2, smoothing: Double = 0.8) -> String {
        let panelWidth = 360.0, panelHeight = 220.0, margin = 44.0
        let columns = max(1, min(columns, max(series.count, 1)))
        let rows = max(1, (series.count + columns - 1) / columns)
        let width = Double(columns) * panelWidth, height = Double(rows) * panelHeight + 30
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="8" y="20" font-size="14" font-weight="bold">\(escape(title))</text>

        """
        for (index, item) in series.enumerated() {
            let originX = Double(index % columns) * panelWidth, originY = 30 + Double(index / columns) * panelHeight
            let plotX = originX + margin, plotY = originY + 22
            let plotWidth = panelWidth - margin - 14, plotHeight = panelHeight - 22 - 30
            let points = item.points.filter { $0.x.isFinite && $0.y.isFinite }
            svg += "<text x=\"\(format(plotX))\" y=\"\(format(originY + 14))\" font-weight=\"bold\">\(escape(item.title))</text>\n"
            svg += "<rect x=\"\(format(plotX))\" y=\"\(format(plotY))\" width=\"\(format(plotWidth))\" height=\"\(format(plotHeight))\" fill=\"none\" stroke=\"#999\"/>\n"
            guard let first = points.first else {
                svg += "<text x=\"\(format(plotX + 8))\" y=\"\(format(plotY + 20))\" fill=\"#999\">no data</text>\n"
                continue
            }
            var (minX, maxX, minY, maxY) = (first.x, first.x, first.y, first.y)
            for point in points {
                minX = min(minX, point.x); maxX = max(maxX, point.x)
                minY = min(minY, point.y); maxY = max(maxY, point.y)
            }
            if maxX == minX { maxX = minX + 1 }
            if maxY == minY { maxY = minY + max(abs(minY) * 0.05, 1e-6); minY -= max(abs(minY) * 0.05, 1e-6) }
            func place(_ point: (x: Double, y: Double)) -> String {
                let x = plotX + (point.x - minX) / (maxX - minX) * plotWidth
                let y = plotY + plotHeight - (point.y - minY) / (maxY - minY) * plotHeight
                return "\(format(x)),\(format(y))"
            }
            let raw = points.map(place).joined(separator: " ")
            svg += "<polyline points=\"\(raw)\" fill=\"none\" stroke=\"\(smoothing > 0 ? "#9ecae1" : "#1f77b4")\" stroke-width=\"1\"/>\n"
            if smoothing > 0, points.count > 2 {
                var average = points[0].y
                let smooth = points.map { point -> String in
                    average = smoothing * average + (1 - smoothing) * point.y
                    return place((point.x, average))
                }.joined(separator: " ")
                svg += "<polyline points=\"\(smooth)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.8\"/>\n"
            }
            for (value, y) in [(maxY, plotY + 4), (minY, plotY + plotHeight)] {
                svg += "<text x=\"\(format(plotX - 4))\" y=\"\(format(y))\" text-anchor=\"end\">\(label(value))</text>\n"
            }
            svg += "<text x=\"\(format(plotX))\" y=\"\(format(plotY + plotHeight + 14))\">\(label(minX))</text>\n"
            svg += "<text x=\"\(format(plotX + plotWidth))\" y=\"\(format(plotY + plotHeight + 14))\" text-anchor=\"end\">\(label(maxX))</text>\n"
            svg += "<text x=\"\(format(plotX + plotWidth / 2))\" y=\"\(format(plotY + plotHeight + 26))\" text-anchor=\"middle\" fill=\"#666\">\(escape(xLabel))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) { return String(format: "%.2e", value) }
        return String(format: "%.4g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
