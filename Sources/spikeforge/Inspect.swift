// `spikeforge inspect`: describes a saved tf_keras model — the Keras-style summary text, or the
// JSON description (inputs, outputs, layers with shapes and parameter counts, kind).
import ArgumentParser
import Foundation
import KerasGraph
import KerasHDF5

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a tf_keras .h5 model (float or quantized): layers, shapes, parameters.")

    @Option(name: .shortAndLong, help: "The model file (.h5 saved by tf_keras).")
    var model: String

    @Flag(name: .long, help: "Print the description as JSON instead of the summary text.")
    var json = false

    func run() throws {
        let file = try KerasH5.read(URL(fileURLWithPath: model))
        let graph = try LayerGraph(file: file)
        let description = try ModelDescription(graph: graph)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(description), as: UTF8.self))
        } else {
            print(KerasSummary.text(graph: graph, description: description), terminator: "")
        }
    }
}
