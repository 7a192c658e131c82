// What `Module.load` would say about a planned checkpoint, computed from shapes alone, so a report can
// list every unused, missing and mis-shaped key at once instead of failing on the first.

/// How a planned checkpoint lines up with a module's parameters.
public struct CheckpointComparison: Sendable, Equatable {
    /// A key present on both sides with different shapes.
    public struct ShapeMismatch: Sendable, Equatable {
        public var key: String
        public var expected: [Int]
        public var found: [Int]
    }

    /// Module keys the plan produces that no parameter claims, sorted.
    public var unused: [String]
    /// Parameters the plan does not provide, sorted.
    public var missing: [String]
    /// Keys on both sides whose shapes differ, sorted by key.
    public var shapeMismatches: [ShapeMismatch]

    /// Whether `Module.load` would accept the checkpoint.
    public var loads: Bool { unused.isEmpty && missing.isEmpty && shapeMismatches.isEmpty }
}

extension CheckpointPlan {
    /// Compares the planned keys and shapes with `parameterShapes` (a module's `parameters()` shapes).
    public func compared(with parameterShapes: [String: [Int]]) -> CheckpointComparison {
        CheckpointComparison(
            unused: mappings.keys.filter { parameterShapes[$0] == nil }.sorted(),
            missing: parameterShapes.keys.filter { mappings[$0] == nil }.sorted(),
            shapeMismatches: mappings.keys.sorted().compactMap { key in
                guard let expected = parameterShapes[key], let found = mappings[key]?.shape, expected != found else { return nil }
                return .init(key: key, expected: expected, found: found)
            })
    }
}

extension Module {
    /// Every parameter's shape, keyed by checkpoint key (what a checkpoint plan is compared with).
    public func parameterShapes() -> [String: [Int]] {
        parameters().mapValues(\.shape)
    }
}
