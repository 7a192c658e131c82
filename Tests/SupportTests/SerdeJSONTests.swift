import Support
import Testing

@Suite("serde_json strings")
struct SerdeJSONTests {
    // JSON strings are escaped as serde_json does: quotes, backslashes, control characters; non-ASCII verbatim.
    @Test func escaping() {
        #expect(SerdeJSON.string("a\"b\\c") == #""a\"b\\c""#)
        #expect(SerdeJSON.string("\n\r\t\u{08}\u{0C}\u{01}\u{1F}") == #""\n\r\t\b\f\u0001\u001f""#)
        #expect(SerdeJSON.string("é😀/\u{7F}") == "\"é😀/\u{7F}\"")
    }
}
