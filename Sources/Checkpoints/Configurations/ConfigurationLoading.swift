// Loading Hugging Face `config.json` files into typed Swift configurations: decoding errors and
// `validate()` violations become `CheckpointError.invalidConfig` naming the file and the key.
import Foundation
import Support

/// One impossible or unsupported setting found by `validate()`.
public struct ConfigurationViolation: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending key as it appears in `config.json` (dotted for nested objects).
    public var key: String
    /// What is wrong with it.
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "key '\(key)': \(reason)" }
}

/// A typed model configuration read from a Hugging Face `config.json`.
public protocol ModelConfiguration: Codable, Sendable {
    /// Rejects impossible combinations (e.g. a hidden size not divisible by the head count).
    func validate() throws(ConfigurationViolation)
}

extension ModelConfiguration {
    /// Decodes and validates a configuration from `config.json` bytes; `file` names the source in errors.
    public static func decode(from data: Data, file: String) throws(CheckpointError) -> Self {
        // transformers reads config.json with Python's json, which keeps the last of two equal keys, and
        // JSONDecoder keeps the first: refuse the file rather than load a different model than Python would.
        if let document = try? StrictJSON.parse(data, maximumDepth: 512), let repeated = document.firstRepeatedKeyPath {
            throw .invalidConfig(file: file, key: repeated, reason: "written more than once")
        }
        let configuration: Self
        do {
            configuration = try JSONDecoder().decode(Self.self, from: data)
        } catch let error as DecodingError {
            let (key, reason) = error.keyPathAndReason
            throw .invalidConfig(file: file, key: key, reason: reason)
        } catch let violation as ConfigurationViolation {
            throw .invalidConfig(file: file, key: violation.key, reason: violation.reason)
        } catch {
            throw .invalidConfig(file: file, key: "(document)", reason: "\(error)")
        }
        do {
            try configuration.validate()
        } catch {
            throw .invalidConfig(file: file, key: error.key, reason: error.reason)
        }
        return configuration
    }

    /// Reads, decodes and validates the configuration at `url` (a `config.json`, or a directory holding one).
    public static func load(from url: URL) throws(CheckpointError) -> Self {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let file = exists && isDirectory.boolValue ? url.appendingPathComponent("config.json") : url
        let data: Data
        do { data = try UserFile.read(file.path) } catch { throw .cannotOpen(file: file.path, reason: error.reason) }
        return try decode(from: data, file: file.path)
    }
}

extension KeyedDecodingContainer {
    /// Overwrites `value` with the key's value when present and non-null; keeps the default otherwise.
    public func update<Value: Decodable>(_ value: inout Value, _ key: Key) throws {
        if let decoded = try decodeIfPresent(Value.self, forKey: key) { value = decoded }
    }
}

/// Helpers that `validate()` implementations share.
public enum Require {
    /// `value` must be > 0.
    public static func positive(_ value: Int, _ key: String) throws(ConfigurationViolation) {
        guard value > 0 else { throw ConfigurationViolation(key: key, reason: "must be positive, got \(value)") }
    }

    /// `value` must be > 0 and finite.
    public static func positive(_ value: Double, _ key: String) throws(ConfigurationViolation) {
        guard value > 0, value.isFinite else { throw ConfigurationViolation(key: key, reason: "must be a positive number, got \(value)") }
    }

    /// `value` must be divisible by `divisor`.
    public static func divisible(_ value: Int, by divisor: Int, _ key: String, _ divisorKey: String) throws(ConfigurationViolation) {
        guard divisor > 0, value % divisor == 0 else {
            throw ConfigurationViolation(key: key, reason: "\(value) is not divisible by \(divisorKey) = \(divisor)")
        }
    }

    /// `value` must be one of `allowed`.
    public static func oneOf(_ value: String, _ allowed: [String], _ key: String) throws(ConfigurationViolation) {
        guard allowed.contains(value) else {
            throw ConfigurationViolation(key: key, reason: "'\(value)' is not supported (expected one of \(allowed.joined(separator: ", ")))")
        }
    }

    /// Every id must be a valid index into a vocabulary of `vocabularySize` tokens; the first that is not is reported under its key.
    public static func tokenIDs(_ ids: KeyValuePairs<String, Int>, vocabularySize: Int) throws(ConfigurationViolation) {
        for (key, id) in ids where !(0..<vocabularySize).contains(id) {
            throw ConfigurationViolation(key: key, reason: "\(id) is outside the vocabulary of \(vocabularySize)")
        }
    }

    /// `value` must lie in `range`.
    public static func within(_ value: Double, _ range: ClosedRange<Double>, _ key: String) throws(ConfigurationViolation) {
        guard range.contains(value) else { throw ConfigurationViolation(key: key, reason: "\(value) is outside \(range)") }
    }
}
