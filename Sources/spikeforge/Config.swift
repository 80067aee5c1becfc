// `spikeforge config -m quantized.h5`: prints the q_config (QuantizeML dump_config) of a
// quantized model as indented JSON.
import ArgumentParser
import Diagnostics
import Engine
import Foundation
import JSON

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the per-layer quantization configuration (q_config) of a quantized .h5 model.")

    @OptionGroup var quantized: QuantizedModelOption

    func run() throws {
        let config: JSONValue
        do { config = try ModelOperations.qConfig(at: URL(fileURLWithPath: quantized.model)) } catch EngineError
            .wrongKind
        {
            throw NotQuantized(path: quantized.model)
        }
        print(config.serialized(pretty: true))
    }
}

struct NotQuantized: UserFacingError {
    let path: String
    var description: String {
        "\(path) holds no quantized layers: it is a float model; quantize it first (spikeforge quantize)"
    }
    var problemType: ProblemType { .wrongModelKind }
}
