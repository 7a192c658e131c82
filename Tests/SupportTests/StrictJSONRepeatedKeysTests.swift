import Support
import Testing

@Suite("Repeated JSON keys")
struct StrictJSONRepeatedKeysTests {
    @Test func findsTheFirstRepeatedKeyAtAnyDepth() throws {
        #expect(try StrictJSON.parse(#"{"a":1,"b":{"c":[1,{"d":2}]}}"#).firstRepeatedKeyPath == nil)
        #expect(try StrictJSON.parse(#"{"a":1,"a":2}"#).firstRepeatedKeyPath == "a")
        #expect(try StrictJSON.parse(#"{"v":{"depth":1,"depth":2}}"#).firstRepeatedKeyPath == "v.depth")
        #expect(try StrictJSON.parse(#"{"x":[{},{"k":1,"k":1}]}"#).firstRepeatedKeyPath == "x.1.k")
        #expect(try StrictJSON.parse(#"[{"k":1,"k":1}]"#).firstRepeatedKeyPath == "0.k")
    }
}
