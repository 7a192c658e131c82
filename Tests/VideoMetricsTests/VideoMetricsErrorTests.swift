import Testing
@testable import VideoMetrics

@Suite struct VideoMetricsErrorTests {
    // Every error names its subject in the message users see.
    @Test func descriptionsNameTheProblem() {
        #expect(VideoMetricsError.invalidInput("FVD needs at least 2 videos, got 1").description.contains("2 videos"))
    }
}
