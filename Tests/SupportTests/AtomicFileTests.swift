import Foundation
import TestSupport
import Testing
@testable import Support

@Suite struct AtomicFileTests {
    let directory: URL = {
        let url = ScratchDirectory.root.appendingPathComponent("atomic-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    // A completed write leaves exactly the destination, with the content, and no temporary file.
    @Test func writeReplacesDestination() throws {
        let url = directory.appendingPathComponent("out.txt")
        try AtomicFile.write(Data("old".utf8), to: url)
        try AtomicFile.write(Data("new".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.txt"])
    }

    // A failing writer leaves the old file untouched and removes its temporary file.
    @Test func failedWriteKeepsOldFile() throws {
        struct Boom: Error {}
        let url = directory.appendingPathComponent("keep.txt")
        try AtomicFile.write(Data("intact".utf8), to: url)
        #expect(throws: AtomicFileError.self) {
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data("partial".utf8))
                throw Boom()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "intact")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["keep.txt"])
    }

    // A destination in a missing directory is a clear error naming the path.
    @Test func missingDirectoryIsAnError() {
        let url = directory.appendingPathComponent("no/such/dir/file.bin")
        do {
            try AtomicFile.write(Data(), to: url)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(url.path))
        }
    }
}
