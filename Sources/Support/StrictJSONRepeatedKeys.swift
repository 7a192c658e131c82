// Files that Python reads with `json` (manifests, config.json, model.safetensors.index.json) take the last
// of two equal keys there, while Foundation's JSONDecoder takes the first: the same file would mean two
// different things. Our readers refuse a repeated key instead, wherever it is nested.

extension StrictJSON {
    /// The dotted path (`vision_config.depth`, `input_range.start`, array positions as numbers) of the first
    /// key written twice in one object, searching nested objects and arrays; nil when there is none.
    public var firstRepeatedKeyPath: String? {
        switch self {
        case .object(let members):
            if let repeated = firstDuplicateKey { return repeated }
            for member in members {
                if let inner = member.value.firstRepeatedKeyPath { return "\(member.key).\(inner)" }
            }
            return nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let inner = item.firstRepeatedKeyPath { return "\(index).\(inner)" }
            }
            return nil
        default:
            return nil
        }
    }
}
