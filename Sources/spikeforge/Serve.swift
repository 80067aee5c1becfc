// spikeforge serve: runs the HTTP service until SIGTERM/SIGINT. Settings: embedded defaults ←
// --config file (or $SPIKEFORGE_CONFIG) ← SPIKEFORGE_<KEY> environment variables ← flags.
import ArgumentParser
import Foundation
import Service

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the SpikeForge HTTP service (REST API under /v1, status page at /).")

    @Option(help: "JSON configuration file (default: $SPIKEFORGE_CONFIG, else the embedded defaults).")
    var config: String?

    @Option(help: "Listen address (overrides the configuration).")
    var host: String?

    @Option(help: "Listen port; 0 picks a free one (overrides the configuration).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Directory for the database and blobs (overrides the configuration).")
    var dataDir: String?

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration as JSON and exit.")
    var printConfig = false

    func run() throws {
        var settings = try ServiceConfiguration.load(
            file: config ?? ProcessInfo.processInfo.environment["SPIKEFORGE_CONFIG"])
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let dataDir { settings.dataDir = dataDir }
        try settings.validate()
        if printConfig {
            let data = try JSONSerialization.data(
                withJSONObject: settings.jsonObject(), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let service = try Service(configuration: settings)
        try service.runUntilSignalled()
    }
}
