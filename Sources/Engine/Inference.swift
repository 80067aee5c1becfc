// Inference through the façade: one entry point for every model kind, returning named
// outputs (float models: tf_keras predict; quantized: dequantized integer inference;
// Akida: the simulator's predict, or forward when the model has no predict; a stateful Akida
// model continues its time sequence from one call to the next, see ModelState.swift).
import AkidaModel
import KerasGraph
import Quantization
import Tensors

public struct InferenceResult {
    /// Model outputs by name, in model order.
    public var outputs: [(name: String, array: NDArray)]
    /// Akida models: the share of zero values in every layer's output.
    public var layerSparsity: [(name: String, zeroFraction: Double)]
}

extension LoadedModel {
    /// Names of the model inputs, in order.
    public var inputNames: [String] {
        switch self {
        case .float(let m, _): return m.inputs.map(\.name)
        case .quantized(let m): return m.inputs
        case .akida(let m, _): return [m.layers.first?.name ?? "input"]
        }
    }

    /// The arrays for the model's inputs from named arrays (an .npz's members, or one .npy): by
    /// input name when every name is present, else in order. `source` names where they came from
    /// ("file", "body"); with `ignoringExtra` arrays beyond the inputs are left out, not refused.
    public func inputs(
        from arrays: [(name: String, array: NDArray)], source: String, ignoringExtra: Bool = false
    ) throws -> [NDArray] {
        let names = inputNames
        let byName = Dictionary(arrays.map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
        let named = names.compactMap { byName[$0] }
        if named.count == names.count { return named }
        guard arrays.count == names.count || (ignoringExtra && arrays.count > names.count) else {
            throw DatasetError(
                "the model takes \(names.count) input(s) (\(names.joined(separator: ", "))), the \(source) holds "
                    + "\(arrays.count) array(s)")
        }
        return arrays.prefix(names.count).map(\.array)
    }

    /// Runs the model on one array per input.
    public func predict(_ inputs: [NDArray], layerSparsity: Bool = false) throws -> InferenceResult {
        guard inputs.count == inputNames.count else {
            throw EngineError.badInput(
                "the model takes \(inputNames.count) input(s) (\(inputNames.joined(separator: ", "))), got "
                    + "\(inputs.count)"
            )
        }
        switch self {
        case .float(let loaded, let file):
            // A streaming TENN's Keras form runs each prediction from empty FIFOs (N streams at their
            // first time step, as a freshly loaded Keras model); its Akida form keeps the sequence.
            let m = loaded.hasTemporalState ? try FloatModel(graph: LayerGraph(file: file)) : loaded
            let outs = try m.predict(inputs)
            return InferenceResult(outputs: zip(m.outputs, outs).map { ($0.name, NDArray($1)) }, layerSparsity: [])
        case .quantized(let m):
            let outs = try QuantizedEngine(model: m).predict(inputs[0])
            let names = m.outputs.map(\.layer)
            return InferenceResult(outputs: zip(names, outs).map { ($0, $1) }, layerSparsity: [])
        case .akida(let m, let session):
            let input = try akidaInput(inputs[0], shape: m.inputShape)
            let result = try session.simulator().infer(input, layerSparsity: layerSparsity)
            return InferenceResult(
                outputs: [(m.layers.last?.name ?? "output", result.output.ndarray())],
                layerSparsity: result.layerSparsity)
        }
    }

    /// Akida takes 2-D `(N, C)` Keras inputs as `(N, 1, 1, C)`; reshape such batches.
    func akidaInput(_ array: NDArray, shape: [Int]) throws -> NDArray {
        guard array.shape.count == 2, shape.count == 3, shape[0] == 1, shape[1] == 1, array.shape[1] == shape[2] else {
            return array
        }
        var reshaped = array
        reshaped.shape = [array.shape[0], 1, 1, array.shape[1]]
        return reshaped
    }
}
