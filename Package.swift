// swift-tools-version:6.0
// SpikeForge: tf_keras model → QuantizeML quantization → Akida conversion, as a service and a CLI.
// Module layout follows DESIGN.md §1; dependencies point downward only:
//   spikeforge (CLI) → Service → {HTTPServer, Persistence, engine, formats}
//   formats (NumPyIO, KerasHDF5, AkidaFormats) → engine models → Tensors
//   engine: Conversion → {Quantization → KerasGraph, AkidaModel} → Tensors
import PackageDescription

let package = Package(
    name: "SpikeForge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spikeforge", targets: ["spikeforge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shims (Debian -dev packages through pkg-config).
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Tensors and kernels.
        .target(name: "Tensors"),

        // Formats.
        .target(name: "NumPyIO", dependencies: ["Tensors", "CZlib"]),
        .target(name: "KerasHDF5", dependencies: ["Tensors", "KerasGraph", "CHDF5"]),
        .target(name: "AkidaFormats", dependencies: ["Tensors", "AkidaModel", "CZlib"]),

        // Engine.
        .target(name: "KerasGraph", dependencies: ["Tensors"]),
        .target(name: "Quantization", dependencies: ["Tensors", "KerasGraph"]),
        .target(name: "AkidaModel", dependencies: ["Tensors"]),
        .target(name: "Conversion", dependencies: ["Tensors", "KerasGraph", "Quantization", "AkidaModel"]),

        // Service.
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD"]),
        .target(name: "Persistence", dependencies: ["CSQLite"]),
        .target(name: "Service", dependencies: [
            "HTTPServer", "Persistence", "Tensors", "NumPyIO", "KerasHDF5", "KerasGraph",
            "Quantization", "AkidaModel", "AkidaFormats", "Conversion",
        ], resources: [.copy("Resources")]),

        // CLI.
        .executableTarget(name: "spikeforge", dependencies: [
            "Service", "Tensors", "NumPyIO", "KerasHDF5", "KerasGraph", "Quantization",
            "AkidaModel", "AkidaFormats", "Conversion",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (commands, not tests).
        .executableTarget(name: "bench-akida", dependencies: ["AkidaModel", "AkidaFormats", "NumPyIO", "Tensors"],
                          path: "Benchmarks/akida"),

        // Tests (public API only: the suite runs in release mode).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: ["NumPyIO", "KerasHDF5", "AkidaFormats", "TestSupport"]),
        .testTarget(name: "KerasGraphTests", dependencies: ["KerasGraph", "KerasHDF5", "NumPyIO", "TestSupport"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "KerasHDF5", "NumPyIO", "TestSupport"]),
        .testTarget(name: "AkidaModelTests", dependencies: ["AkidaModel", "AkidaFormats", "NumPyIO", "TestSupport"]),
        .testTarget(name: "ConversionTests", dependencies: ["Conversion", "KerasHDF5", "AkidaFormats", "NumPyIO", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "PersistenceTests", dependencies: ["Persistence", "TestSupport"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "HTTPServer", "Persistence", "NumPyIO", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
