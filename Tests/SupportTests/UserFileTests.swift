import Foundation
import Support
import Testing
import TestSupport

@Suite("User files")
struct UserFileTests {
    private func temporaryFile(_ contents: Data) throws -> URL {
        let url = ScratchDirectory.root.appendingPathComponent("vans-userfile-\(UUID().uuidString)")
        try contents.write(to: url)
        return url
    }

    @Test func readsAndMapsRegularFiles() throws {
        let url = try temporaryFile(Data("hello\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try UserFile.read(url.path) == Data("hello\n".utf8))
        #expect(try UserFile.readText(url.path) == "hello\n")
        let mapped = try UserFile.map(url.path)
        #expect(Data(mapped.bytes) == Data("hello\n".utf8))
        #expect(throws: UserFileError.tooLarge(path: url.path, size: 6, limit: 5)) { try UserFile.read(url.path, limit: 5) }
    }

    // Files in /proc report size 0 but have contents: reading goes to end of file, not to the stat size.
    #if os(Linux)
    @Test func readsToEndOfFile() throws {
        #expect(try UserFile.readText("/proc/self/status").contains("Name:"))
    }
    #endif

    @Test func emptyFileIsEmpty() throws {
        let url = try temporaryFile(Data())
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try UserFile.read(url.path).isEmpty)
        #expect(try UserFile.map(url.path).bytes.isEmpty)
    }

    @Test func refusesWhatIsNotARegularFile() throws {
        #expect(throws: UserFileError.notRegularFile(path: "/dev/zero", kind: "character device")) { try UserFile.read("/dev/zero") }
        #expect(throws: UserFileError.notRegularFile(path: "/dev/null", kind: "character device")) { try UserFile.map("/dev/null") }
        let directory = ScratchDirectory.root.path
        #expect(throws: UserFileError.notRegularFile(path: directory, kind: "directory")) { try UserFile.read(directory) }
        #expect(throws: UserFileError.notFound(path: "/nonexistent/vans")) { try UserFile.read("/nonexistent/vans") }
        #expect("\(UserFileError.notRegularFile(path: "/dev/zero", kind: "character device"))" == "/dev/zero: not a regular file (character device)")
    }

    // The reproducer of issue 17: a named pipe must be refused at once, not block in open().
    @Test func refusesNamedPipeWithoutBlocking() throws {
        let pipe = try NamedPipeFixture()
        let started = Date()
        let (error, timedOut) = pipe.withWatchdog { () -> UserFileError? in
            do throws(UserFileError) { _ = try UserFile.read(pipe.path); return nil } catch { return error }
        }
        #expect(!timedOut)
        #expect(error == .notRegularFile(path: pipe.path, kind: "named pipe"))
        #expect(throws: UserFileError.notRegularFile(path: pipe.path, kind: "named pipe")) { try UserFile.checkRegularFile(pipe.path) }
        #expect(Date().timeIntervalSince(started) < 1)
    }
}
