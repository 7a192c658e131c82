import Foundation
import Support
import Testing

@Suite("Text lines")
struct TextLinesTests {
    // LF and CRLF files give the same lines; a final break adds no line, but blank lines inside are kept.
    @Test func lineBreaks() {
        #expect(TextLines.split("a\nb\n") == ["a", "b"])
        #expect(TextLines.split("a\r\nb\r\n") == ["a", "b"])
        #expect(TextLines.split("a\n\nb") == ["a", "", "b"])
        #expect(TextLines.split("a\rb\n") == ["a\rb"])
        #expect(TextLines.split("") == [])
        #expect(TextLines.split("\n") == [""])
        #expect(TextLines.split(Data("x\r\ny".utf8)) == [Data("x".utf8), Data("y".utf8)])
    }
}
