import Testing
import VideoIO
@testable import VANS

@Suite("Answer motion statistic") struct AnswerMotionTests {
    func frame(_ value: UInt8, width: Int = 4, height: Int = 2) -> VideoFrame {
        VideoFrame(width: width, height: height, pixels: Array(repeating: value, count: width * height * 3))
    }

    // A still video scores 0, black↔white flicker 1, and a ramp the mean of its steps, in [0, 1] units.
    @Test func measuresConsecutiveFrameDifferences() throws {
        #expect(AnswerMotion.meanAbsoluteFrameDifference([frame(90), frame(90), frame(90)]) == 0)
        #expect(AnswerMotion.meanAbsoluteFrameDifference([frame(0), frame(255), frame(0)]) == 1)
        let ramp = try #require(AnswerMotion.meanAbsoluteFrameDifference([frame(0), frame(51), frame(153)]))
        #expect(abs(ramp - (51.0 + 102.0) / 2 / 255) < 1e-12)
        var half = frame(0)
        for index in 0..<(half.pixels.count / 2) { half.pixels[index] = 255 }
        #expect(AnswerMotion.meanAbsoluteFrameDifference([frame(0), half]) == 0.5)
    }

    // Fewer than two frames or a size change has no motion to report.
    @Test func undefinedCasesAreNil() {
        #expect(AnswerMotion.meanAbsoluteFrameDifference([]) == nil)
        #expect(AnswerMotion.meanAbsoluteFrameDifference([frame(3)]) == nil)
        #expect(AnswerMotion.meanAbsoluteFrameDifference([frame(3), frame(3, width: 2)]) == nil)
    }

    // Table 2 reads it as the "motion" metric of each category.
    @Test func ablationTableCarriesMotion() {
        var scores = CategoryScores(samples: 2)
        scores.motion = ConfidenceInterval(value: 0.25, lower: 0.2, upper: 0.3)
        #expect(AblationTableEvaluation.values(of: scores)["motion"] == 0.25)
        #expect(AblationTableEvaluation.values(of: CategoryScores(samples: 2))["motion"] == nil)
    }
}
