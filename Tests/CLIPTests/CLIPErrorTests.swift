import Testing
@testable import CLIP

@Suite struct CLIPErrorTests {
    // Every error names its subject in the message users see.
    @Test func descriptionsNameTheProblem() {
        #expect(CLIPError.invalidModel("config.json: missing projection_dim").description.contains("config.json"))
    }
}
