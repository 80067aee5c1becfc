// `spikeforge predict`: runs a model on a batch from a .npy (or a .npz, one array per input) and
// writes the outputs as .npy (one output) or .npz (one entry per output). Loading and running
// and matching the arrays to the model's inputs are Engine's, shared with the service.
import ArgumentParser
import Engine
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run inference on a batch of inputs (.npy) and write the outputs (.npy, or .npz for several outputs)."
    )

    @Option(name: .shortAndLong, help: "The model file: float or quantized tf_keras .h5, Akida .fbz or Akida JSON.")
    var model: String

    @Option(
        name: .shortAndLong,
        help: "Input batch: .npy, or .npz with one array per model input (by input name, else in order); NHWC.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the outputs: .npy (single-output models) or .npz.")
    var output: String

    func run() throws {
        let loaded = try LoadedModel.load(contentsOf: URL(fileURLWithPath: model))
        let inputs = try TensorFiles.arrays(contentsOf: URL(fileURLWithPath: input))
        let outputs = try loaded.predict(try loaded.inputs(from: inputs, source: "file", ignoringExtra: true)).outputs
        try TensorFiles.write(outputs, to: URL(fileURLWithPath: output))
        let shapes = outputs.map { "\($0.name) \($0.array.shape)" }.joined(separator: ", ")
        print("wrote \(output): \(shapes)")
    }
}
