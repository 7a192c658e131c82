import Foundation
import Support
import Testing

@Suite("Decoding error descriptions") struct DecodingErrorDescriptionTests {
    struct Inner: Decodable { var steps: Int }
    struct Outer: Decodable { var name: String; var inner: Inner; var list: [Inner] }

    func failure(_ json: String) throws -> DecodingError {
        do {
            _ = try JSONDecoder().decode(Outer.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            return error
        }
        Issue.record("\(json) decoded")
        throw CancellationError()
    }

    // Every kind of failure names the dotted key path (array indices as numbers) in one wording.
    @Test func namesTheKeyPath() throws {
        let missing = try failure(#"{"name": "a", "inner": {}, "list": []}"#)
        #expect(missing.plainDescription == "missing key 'inner.steps'")
        #expect(missing.keyPathAndReason.key == "inner.steps" && missing.keyPathAndReason.reason == "required key is missing")
        let wrongType = try failure(#"{"name": "a", "inner": {"steps": 1}, "list": [{"steps": "x"}]}"#)
        #expect(wrongType.plainDescription == "key 'list.0.steps' has the wrong type (expected Int)")
        let null = try failure(#"{"name": null, "inner": {"steps": 1}, "list": []}"#)
        #expect(null.plainDescription == "key 'name' is null (expected String)")
        let broken = try failure(#"{"name": "a", "#)
        #expect(broken.plainDescription.hasPrefix("invalid JSON: "))
        #expect(broken.keyPathAndReason.key == "(document)")
    }
}
