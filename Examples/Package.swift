// swift-tools-version: 6.1
// A package that uses VANS the way any other package would: as a dependency (here by path), importing the
// `VANSKit` library product. `make test` builds and runs it, which proves the package can be depended on
// (SwiftPM refuses dependencies that use unsafe build flags).
import PackageDescription

let package = Package(
    name: "VANSExamples",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "VANS", path: ".."),
    ],
    targets: [
        .executableTarget(name: "DecoderLayerExample", dependencies: [.product(name: "VANSKit", package: "VANS")]),
    ]
)
