// swift-tools-version: 6.1
// VANS in Swift: Video-as-Answer (a VLM that reasons and captions the next event,
// a video diffusion model that renders it, aligned by Joint-GRPO).
// Layers (arrows point down only) — see README "Layout":
//   vans (CLI) · VANSBench
//   VANS (pipeline, training, rewards, eval)
//   QwenVL · Wan · CLIP · I3D (models) → VideoMetrics     CaptionMetrics · Data
//   NN · Checkpoints · Tokenizers · VideoIO
//   Tensor (engine)
//   CKernels · CFFmpeg/CFFmpegShims (C)
import PackageDescription

// No unsafe flags anywhere: SwiftPM refuses them in a package used as a dependency. The C kernels
// build at SwiftPM's optimisation level (-O0 debug, -O2 release); `make test` adds -O3 and
// -fno-math-errno from the command line (see the Makefile), which changes speed, never results.

let package = Package(
    name: "VANS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vans", targets: ["vans"]),
        .library(name: "VANSKit", targets: ["Tensor", "NN", "Generation", "Checkpoints", "Tokenizers", "CaptionMetrics", "VideoIO", "Data", "QwenVL", "Wan", "CLIP", "I3D", "VideoMetrics", "VANS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // C layer
        // libmvec (glibc's vector math, part of libc6-dev) gives the vectorised exp/tanh/erf.
        .target(name: "CKernels",
                linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("m"), .linkedLibrary("mvec", .when(platforms: [.linux]))]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .target(name: "CFFmpegShims", dependencies: ["CFFmpeg"]),

        // Shared utilities (atomic writes, progress bars): no dependencies
        .target(name: "Support"),

        // Engine and building blocks
        .target(name: "Tensor", dependencies: ["CKernels", "Support"], exclude: ["README.md"]),
        .target(name: "NN", dependencies: ["Tensor"]),
        .target(name: "Checkpoints", dependencies: ["Tensor", "Support"]),
        .target(name: "Tokenizers", dependencies: ["Support"]),
        .target(name: "VideoIO", dependencies: ["CFFmpeg", "CFFmpegShims", "Support"]),
        .target(name: "Generation", dependencies: ["Tensor", "NN"]),

        // Metrics, data, models
        .target(name: "CaptionMetrics", dependencies: ["Tokenizers", "Support"]),
        .target(name: "Data", dependencies: ["VideoIO", "Support"]),
        .target(name: "QwenVL", dependencies: ["Tensor", "NN", "Generation", "Checkpoints", "Tokenizers", "VideoIO"]),
        .target(name: "Wan", dependencies: ["Tensor", "NN", "Checkpoints", "Tokenizers", "VideoIO", "Support"]),
        // The metric networks (paper App. C.2) and the video metrics built on them (CLIP-V, CLIP-T, CLIPScore, FVD).
        .target(name: "CLIP", dependencies: ["Tensor", "NN", "Checkpoints", "Tokenizers", "VideoIO"]),
        .target(name: "I3D", dependencies: ["Tensor", "NN", "Checkpoints"]),
        .target(name: "VideoMetrics", dependencies: ["Tensor", "CLIP", "I3D", "VideoIO", "Support"]),

        // The method
        .target(name: "VANS", dependencies: ["Tensor", "NN", "Generation", "Checkpoints", "Tokenizers", "CaptionMetrics", "VideoIO", "Data", "QwenVL", "Wan", "CLIP", "I3D", "VideoMetrics"]),

        // The VANS-Data curation pipeline (paper Sec. 3, issue 16): importers, VLM-driven stages, resumable job table.
        .target(name: "Curation", dependencies: ["Data", "VideoIO", "QwenVL", "Support", "CFFmpeg", "CFFmpegShims",
                                                 .product(name: "GRDB", package: "GRDB.swift"),
                                                 .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                 .product(name: "NIOCore", package: "swift-nio"),
                                                 .product(name: "NIOHTTP1", package: "swift-nio"),
                                                 .product(name: "PostgresNIO", package: "postgres-nio")],
                resources: [.copy("Resources/prompts")]),

        // The HTTP server of `vans serve` (issue 15): depends on the pipeline protocols only.
        .target(name: "VANSServer", dependencies: [
            "VANS", "QwenVL", "VideoIO", "Support", "Data",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], resources: [.copy("Resources")]),

        // Front ends
        .executableTarget(name: "vans", dependencies: [
            "VANS", "VANSServer", "Support", "Tensor", "NN", "Generation", "Checkpoints", "Tokenizers", "CaptionMetrics", "VideoIO", "Data", "QwenVL", "Wan",
            "CLIP", "I3D", "VideoMetrics", "Curation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "VANSBench", dependencies: ["VANS", "Support", "Tensor", "NN", "Generation", "Checkpoints", "Tokenizers", "VideoIO",
                                                          "QwenVL", "Wan", "CLIP", "I3D", "VideoMetrics"]),

        // Fuzz entry points (issue 17): an ordinary library, so `make test` replays the corpus through them.
        .target(name: "FuzzTargets", dependencies: ["Checkpoints", "Data", "QwenVL", "Support", "Tensor", "Tokenizers", "Wan", "CLIP", "I3D"]),

        // Tests (Swift Testing)
        // Helpers shared by several test targets (named-pipe fixtures with a watchdog).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "Checkpoints"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "Checkpoints", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "NN", "Tensor"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "Tensor", "Support", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CaptionMetricsTests", dependencies: ["CaptionMetrics", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VideoIOTests", dependencies: ["VideoIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DataTests", dependencies: ["Data", "VideoIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "QwenVLTests", dependencies: ["QwenVL", "Tensor", "NN", "Checkpoints", "Support", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WanTests", dependencies: ["Wan", "Tensor", "NN", "Checkpoints", "Support", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CLIPTests", dependencies: ["CLIP", "Tensor", "NN", "Checkpoints", "Support", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "I3DTests", dependencies: ["I3D", "Tensor", "NN", "Checkpoints", "Support", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VideoMetricsTests", dependencies: ["VideoMetrics", "I3D", "Tensor", "VideoIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VANSTests", dependencies: ["VANS", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CurationTests", dependencies: ["Curation", "Data", "VideoIO", "TestSupport", "QwenVL", "Tensor", "NN", "Checkpoints", "Tokenizers",
                                                          .product(name: "NIOCore", package: "swift-nio"),
                                                          .product(name: "NIOPosix", package: "swift-nio"),
                                                          .product(name: "NIOHTTP1", package: "swift-nio")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VANSServerTests", dependencies: [
            "VANSServer", "VANS", "QwenVL", "Tensor", "NN", "Checkpoints", "Tokenizers", "VideoIO", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], resources: [.copy("Fixtures")]),
    ]
)

// The libFuzzer executable exists only for `make fuzz` (VANS_FUZZ=1): it links only with -sanitize=fuzzer,
// which supplies its main.
if Context.environment["VANS_FUZZ"] != nil {
    package.targets.append(.executableTarget(name: "VANSFuzz", dependencies: ["FuzzTargets"], path: "Fuzz/VANSFuzz"))
}
