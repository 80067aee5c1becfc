// `spikeforge predict`: runs a model on a batch from a .npy (or a .npz, one array per input) and
// writes the outputs as .npy (one output) or .npz (one entry per output). Loading and running
// are separate functions so other model kinds can be dispatched by file type.
import ArgumentParser
import Diagnostics
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
        let loaded = try PredictRunner.load(URL(fileURLWithPath: model))
        let inputs = try PredictRunner.readInputs(URL(fileURLWithPath: input))
        let outputs = try PredictRunner.predict(loaded, inputs: inputs)
        try PredictRunner.writeOutputs(outputs, to: URL(fileURLWithPath: output))
        let shapes = outputs.map { "\($0.name) \($0.array.shape)" }.joined(separator: ", ")
        print("wrote \(output): \(shapes)")
    }
}

enum PredictError: UserFacingError {
    case badFile(String)

    var description: String {
        switch self {
        case .badFile(let s): return s
        }
    }

    var problemType: ProblemType { .invalidInput }
}

enum PredictRunner {
    static func load(_ url: URL) throws -> LoadedModel {
        try LoadedModel.load(contentsOf: url)
    }

    /// Runs `model` on named input arrays; returns named outputs.
    static func predict(
        _ model: LoadedModel, inputs: [(name: String, array: NDArray)]
    ) throws -> [(name: String, array: NDArray)] {
        try model.predict(try match(inputs, to: model.inputNames)).outputs
    }

    static func readInputs(_ url: URL) throws -> [(name: String, array: NDArray)] {
        try TensorFiles.arrays(contentsOf: url)
    }

    /// The arrays for inputs `names`: by name when every name is present, else in file order.
    static func match(_ arrays: [(name: String, array: NDArray)], to names: [String]) throws -> [NDArray] {
        let byName = Dictionary(arrays.map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
        let named = names.compactMap { byName[$0] }
        if named.count == names.count { return named }
        guard arrays.count >= names.count else {
            throw PredictError.badFile(
                "the model takes \(names.count) inputs (\(names.joined(separator: ", "))), the file holds "
                    + "\(arrays.count)"
            )
        }
        return arrays.prefix(names.count).map(\.array)
    }

    static func writeOutputs(_ outputs: [(name: String, array: NDArray)], to url: URL) throws {
        try TensorFiles.write(outputs, to: url)
    }
}
