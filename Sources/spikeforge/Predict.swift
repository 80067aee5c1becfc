// `spikeforge predict`: runs a model on a batch from a .npy (or a .npz, one array per input) and
// writes the outputs as .npy (one output) or .npz (one entry per output); `--sequence-length` resets
// a stateful model's state every N samples. Loading, running and matching the arrays to the model's
// inputs are Engine's, shared with the service.
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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stateful models (e.g. Akida BufferTempConv): reset the state every N samples.",
            discussion: "A stateful Akida model runs the batch as one time sequence from a fresh state; with this "
                + "option the batch is consecutive sequences of N samples, each from a fresh state."))
    var sequenceLength: Int?

    func run() throws {
        let loaded = try LoadedModel.load(contentsOf: URL(fileURLWithPath: model))
        let inputs = try loaded.inputs(
            from: try TensorFiles.arrays(contentsOf: URL(fileURLWithPath: input)), source: "file", ignoringExtra: true)
        let outputs =
            try sequenceLength.map { try loaded.predict(inputs, sequenceLength: $0) }?.outputs
            ?? loaded.predict(inputs).outputs
        try TensorFiles.write(outputs, to: URL(fileURLWithPath: output))
        let shapes = outputs.map { "\($0.name) \($0.array.shape)" }.joined(separator: ", ")
        print("wrote \(output): \(shapes)")
    }
}
