import Testing
@testable import I3D

@Suite struct I3DErrorTests {
    // Every error names its subject in the message users see.
    @Test func descriptionsNameTheProblem() {
        #expect(I3DError.invalidInput("video: expected [B, 3, T, H, W]").description.contains("video"))
    }
}
