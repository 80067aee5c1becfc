// swift-tools-version:6.0
// SpikeForge: tf_keras model → QuantizeML quantization → Akida conversion, as a service and a CLI.
// Module layout follows DESIGN.md §1 and docs/architecture.md; dependencies point one way:
//   spikeforge (CLI) → Service → {Jobs → Persistence, HTTPServer, Engine}
//   Engine → {Conversion → {Quantization → KerasGraph, AkidaModel}, formats} → Tensors
//   formats: NumPyIO, KerasHDF5 (→ KerasGraph), AkidaFormats (→ AkidaModel)
//   leaves every module may use: Diagnostics (the error vocabulary), JSON
import Foundation
import PackageDescription

// The numeric kernels pick their instruction set at run time (CKernels: AVX-512 VNNI, AVX2 + FMA or
// portable, by CPUID), so the build does not depend on the building machine. SPIKEFORGE_TARGET_CPU=<cpu>
// additionally compiles the Tensors module for that CPU (opt-in; the binary then needs that CPU).
let kernelSettings: [SwiftSetting] = ProcessInfo.processInfo.environment["SPIKEFORGE_TARGET_CPU"]
    .flatMap { $0.isEmpty ? nil : [.unsafeFlags(["-target-cpu", $0])] } ?? []

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
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // The error vocabulary every user-facing error adopts (leaf: no dependencies).
        .target(name: "Diagnostics"),

        // The one JSON tree, parser and writer (leaf: no dependencies).
        .target(name: "JSON"),

        // Tensors and kernels; CKernels holds the inner loops chosen at run time by CPUID.
        .target(name: "CKernels"),
        .target(name: "CKernelsQuantized", dependencies: ["CKernels"]),
        .target(name: "Tensors", dependencies: ["Diagnostics", "CKernels"], swiftSettings: kernelSettings),

        // Formats.
        .target(name: "NumPyIO", dependencies: ["Diagnostics", "Tensors", "CZlib"]),
        .target(name: "KerasHDF5", dependencies: ["Diagnostics", "JSON", "Tensors", "KerasGraph", "CHDF5"]),
        .target(name: "AkidaFormats", dependencies: ["Diagnostics", "JSON", "Tensors", "AkidaModel", "CZlib"]),

        // Engine.
        .target(name: "KerasGraph", dependencies: ["Diagnostics", "JSON", "Tensors"]),
        .target(name: "Quantization", dependencies: [
            "Diagnostics", "JSON", "Tensors", "KerasGraph", "CKernels", "CKernelsQuantized",
        ]),
        .target(name: "AkidaModel", dependencies: ["Diagnostics", "Tensors", "CKernels"]),
        .target(name: "Conversion", dependencies: [
            "Diagnostics", "JSON", "Tensors", "KerasGraph", "Quantization", "AkidaModel",
        ]),

        // The façade the CLI and the service share: load any model kind, run, describe.
        .target(name: "Engine", dependencies: [
            "Diagnostics", "JSON", "Tensors", "NumPyIO", "KerasHDF5", "KerasGraph", "Quantization", "AkidaModel",
            "AkidaFormats",
            "Conversion",
        ]),

        // Service.
        .target(name: "HTTPServer", dependencies: ["JSON", "CMicroHTTPD"]),
        .target(name: "Persistence", dependencies: ["JSON", "CSQLite", "CPostgres"]),
        // The durable job runner over a Store.
        .target(name: "Jobs", dependencies: ["JSON", "Persistence"]),
        .target(name: "Service", dependencies: [
            "Diagnostics", "JSON", "HTTPServer", "Persistence", "Jobs", "Engine",
        ], resources: [.copy("Resources")]),

        // CLI.
        .executableTarget(name: "spikeforge", dependencies: [
            "Service", "Engine", "Diagnostics", "JSON",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (commands, never tests).
        .executableTarget(name: "bench-float", dependencies: ["KerasGraph", "KerasHDF5", "NumPyIO", "Tensors"],
                          path: "Benchmarks/float", exclude: ["tf_bench.py"]),
        .target(name: "BenchSupport", dependencies: ["Tensors"], path: "Benchmarks/support"),
        .executableTarget(name: "bench-akida",
                          dependencies: ["AkidaModel", "AkidaFormats", "NumPyIO", "Tensors", "BenchSupport"],
                          path: "Benchmarks/akida"),
        .executableTarget(name: "bench-quantized",
                          dependencies: ["Quantization", "KerasHDF5", "NumPyIO", "Tensors", "BenchSupport"],
                          path: "Benchmarks/quantized"),

        // Tests (public API only: the suite runs in release mode).
        .target(name: "TestSupport", dependencies: ["CSQLite", "CPostgres"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: ["NumPyIO", "KerasHDF5", "AkidaFormats", "TestSupport"]),
        .testTarget(name: "KerasGraphTests", dependencies: ["KerasGraph", "KerasHDF5", "NumPyIO", "TestSupport"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "KerasHDF5", "NumPyIO", "TestSupport"]),
        .testTarget(name: "AkidaModelTests", dependencies: ["AkidaModel", "AkidaFormats", "NumPyIO", "TestSupport"]),
        .testTarget(name: "ConversionTests", dependencies: ["Conversion", "KerasHDF5", "AkidaFormats", "NumPyIO", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Diagnostics", "NumPyIO", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "PersistenceTests", dependencies: ["Persistence", "TestSupport"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Persistence", "TestSupport"]),
        .testTarget(name: "ServiceTests", dependencies: [
            "Service", "HTTPServer", "Persistence", "Jobs", "NumPyIO", "TestSupport",
        ]),
    ],
    swiftLanguageModes: [.v5]
)
