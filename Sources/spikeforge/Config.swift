// `spikeforge config -m quantized.h5`: prints the q_config (QuantizeML dump_config) of a
// quantized model as indented JSON.
import ArgumentParser
import Foundation
import JSON
import KerasHDF5
import Quantization

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the per-layer quantization configuration (q_config) of a quantized .h5 model.")

    @Option(name: [.customShort("m"), .long], help: "A quantized model (.h5) written by SpikeForge or QuantizeML.")
    var model: String

    func run() throws {
        let file = try KerasH5.read(URL(fileURLWithPath: model))
        guard QuantizedModel.isQuantized(file) else { throw NotQuantized(path: model) }
        let quantized = try QuantizedModel(file: file)
        print(quantized.dumpConfig().serialized(pretty: true))
    }
}

struct NotQuantized: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "\(path) holds no quantized layers: it is a float model; quantize it first (spikeforge quantize)"
    }
}
