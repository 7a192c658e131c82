// The `--sources CONFIG` file of `vans data curate`: which datasets to read and where.
import Data
import Foundation
import Support

/// One source of the configuration file.
///
///     {"sources": [
///       {"name": "coin", "format": "coin", "annotations": "COIN.json", "videos": "coin/videos",
///        "subset": "training", "limit": 100},
///       {"name": "films", "format": "videos", "videos": "films", "kind": "predictive"}
///     ]}
///
/// Paths are relative to the configuration file. `format` is one of coin, youcook2, activitynet,
/// v1-33k, video-holmes, videos; `kind` defaults to procedural for COIN/YouCook2, predictive otherwise.
public struct SourceEntry: Sendable, Codable, Equatable {
    public var name: String
    public var format: AnnotationFormat
    public var annotations: String?
    public var videos: String
    public var kind: SampleKind?
    public var subset: String?
    public var ids: [String]?
    public var limit: Int?
}

/// The parsed configuration file.
public struct SourcesConfiguration: Sendable, Codable, Equatable {
    public var sources: [SourceEntry]

    /// Reads and checks a configuration: unknown formats or kinds, duplicate or unsafe names are errors.
    public static func load(_ url: URL) throws -> SourcesConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CurationError.badConfiguration(path: url.path, reason: "unreadable: \(error.localizedDescription)")
        }
        let configuration: SourcesConfiguration
        do { configuration = try JSONDecoder().decode(SourcesConfiguration.self, from: data) } catch let error as DecodingError {
            throw CurationError.badConfiguration(path: url.path, reason: error.plainDescription)
        } catch {
            throw CurationError.badConfiguration(path: url.path, reason: "\(error)")
        }
        var names = Set<String>()
        for source in configuration.sources {
            guard !source.name.isEmpty, source.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
                throw CurationError.badConfiguration(path: url.path, reason: "source name '\(source.name)' must be letters, digits, '-' or '_'")
            }
            guard names.insert(source.name).inserted else {
                throw CurationError.badConfiguration(path: url.path, reason: "source name '\(source.name)' appears twice")
            }
            if let limit = source.limit, limit < 0 {
                throw CurationError.badConfiguration(path: url.path, reason: "source '\(source.name)': 'limit' must be ≥ 0")
            }
        }
        guard !configuration.sources.isEmpty else { throw CurationError.badConfiguration(path: url.path, reason: "'sources' is empty") }
        return configuration
    }

    /// Importers with paths resolved against `directory` (the configuration's folder).
    public func importers(relativeTo directory: URL) -> [AnnotationImporter] {
        func resolve(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        }
        return sources.map {
            AnnotationImporter(source: $0.name, format: $0.format, kind: $0.kind, annotations: $0.annotations.map(resolve),
                               videos: resolve($0.videos), subset: $0.subset, ids: $0.ids, limit: $0.limit)
        }
    }
}
