// Mirrors how diffusers' `DiffusionPipeline.from_pretrained` reads a pipeline directory's `model_index.json`:
// each component is [library, class] or [null, null] (absent, no folder needed).
import Foundation
import Support

/// The components a diffusers Wan pipeline directory lists.
public struct WanPipelineIndex: Sendable, Equatable {
    public let directory: URL
    /// Component name → class name, for the components that are present (non-null).
    public let components: [String: String]

    /// Reads `directory/model_index.json`; requires the named components to be listed, present and of the
    /// expected classes (`transformer` → WanTransformer3DModel, `scheduler` → a supported scheduler).
    public init(directory: URL, requiring required: [String] = ["transformer", "scheduler"]) throws(WanError) {
        self.directory = directory
        let file = directory.appendingPathComponent("model_index.json")
        let data: Data
        do { data = try UserFile.read(file.path) } catch {
            throw .invalidPipeline(directory: directory.path, reason: "cannot read model_index.json: \(error.reason)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw .invalidPipeline(directory: directory.path, reason: "model_index.json is not a JSON object")
        }
        var components: [String: String] = [:]
        for (key, value) in json where !key.hasPrefix("_") {
            guard let pair = value as? [Any], pair.count == 2 else { continue }  // config values such as boundary_ratio
            if pair[1] is NSNull { continue }
            guard let className = pair[1] as? String else {
                throw .invalidPipeline(directory: directory.path, reason: "model_index.json: component '\(key)' has no class name")
            }
            components[key] = className
        }
        self.components = components
        for name in required {
            guard let className = components[name] else {
                throw .invalidPipeline(directory: directory.path, reason: "model_index.json lists no '\(name)' (it is missing or null)")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw .invalidPipeline(directory: directory.path, reason: "component '\(name)' (\(className)) has no folder '\(name)/'")
            }
            if name == "transformer", className != "WanTransformer3DModel" {
                throw .invalidPipeline(directory: directory.path, reason: "transformer is a \(className), not a WanTransformer3DModel")
            }
        }
    }

    /// The folder of component `name`.
    public func url(of name: String) -> URL { directory.appendingPathComponent(name) }
}
