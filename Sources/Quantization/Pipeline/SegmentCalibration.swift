// Segment-wise calibration of stateful models (QuantizeML's recurrent TENN rule): the whole
// calibration set is one batch (the model's batch size becomes the sample count), each sample's
// sequence is cut into consecutive segments of the model's timesteps, and the segments run in
// order with the states carried from one to the next, epoch after epoch; the observers update
// once per segment. Every layer of such a model maps timesteps to timesteps (subsampled), so
// running the concatenated sequence once and cutting each observed output into as many equal
// parts along its time axis gives the same float values as segment-by-segment runs.
import KerasGraph
import Tensors

extension Calibrator {
    /// Whether `graph` holds a layer that keeps a state across calls.
    public static func isStateful(_ graph: LayerGraph) -> Bool {
        graph.nodes.contains { QuantizedLayerRegistry.type(ofAnyClass: layerClass($0))?.carriesState ?? false }
    }

    static func calibrateSegments(
        _ sanitized: LayerGraph, samples: NDArray, epochs: Int, capture: Set<String>,
        observe: ([String: Tensor<Float>], Tensor<Float>) throws -> Void
    ) throws {
        guard let inputName = sanitized.inputs.first, var input = sanitized.node(named: inputName),
            let declared = input.config["batch_input_shape"]?.array, declared.count >= 3,
            let timesteps = declared[1].int, timesteps > 0
        else {
            throw QuantizationError.calibration(
                "a stateful model needs an input of fixed shape (batch, timesteps, ...) to calibrate")
        }
        let features = declared.dropFirst(2).map { $0.int ?? 0 }
        guard samples.shape.count == declared.count, Array(samples.shape.dropFirst(2)) == features else {
            throw QuantizationError.calibration(
                "calibration samples of shape \(samples.shape) do not fit the stateful input '\(inputName)' "
                    + "(expected (N, k·\(timesteps), \(features.map(String.init).joined(separator: ", "))))")
        }
        let length = samples.shape[1]
        guard length % timesteps == 0 else {
            throw QuantizationError.calibration(
                "Each sample length \(length) should be a multiple of the model input size \(timesteps).")
        }
        let segments = (length / timesteps) * max(0, epochs)
        guard segments > 0 else { return }
        let sequence = repeatedInTime(samples.floats(), times: max(0, epochs))
        var graph = sanitized
        input.config = input.config.setting(
            "batch_input_shape", to: .array([.null, .number(Double(sequence.shape[1]))] + Array(declared.dropFirst(2))))
        graph[inputName] = input
        let model: FloatModel
        do {
            model = try FloatModel(graph: graph)
        } catch {
            throw QuantizationError.calibration("the sanitized float model cannot run: \(error)")
        }
        let outs = try model.run([sequence], capture: capture)
        for segment in 0..<segments {
            let part = outs.mapValues { timeSlice($0, part: segment, of: segments) }
            try observe(part, timeSlice(sequence, part: segment, of: segments))
        }
    }

    /// `x` (N, T, ...) repeated `times` times along the time axis.
    static func repeatedInTime(_ x: Tensor<Float>, times: Int) -> Tensor<Float> {
        guard times > 1 else { return x }
        let (n, row) = (x.shape[0], x.shape.dropFirst().reduce(1, *))
        var out: [Float] = []
        out.reserveCapacity(x.count * times)
        for b in 0..<n {
            for _ in 0..<times { out.append(contentsOf: x.scalars[(b * row)..<((b + 1) * row)]) }
        }
        return Tensor(shape: [n, x.shape[1] * times] + x.shape.dropFirst(2), scalars: out)
    }

    /// Part `part` of `parts` equal parts of `x` (N, T, ...) along the time axis.
    static func timeSlice(_ x: Tensor<Float>, part: Int, of parts: Int) -> Tensor<Float> {
        guard x.rank >= 2, parts > 1 else { return x }
        let (n, t) = (x.shape[0], x.shape[1])
        let inner = x.shape.dropFirst(2).reduce(1, *), steps = t / parts
        var out: [Float] = []
        out.reserveCapacity(n * steps * inner)
        for b in 0..<n {
            let start = (b * t + part * steps) * inner
            out.append(contentsOf: x.scalars[start..<(start + steps * inner)])
        }
        return Tensor(shape: [n, steps] + x.shape.dropFirst(2), scalars: out)
    }
}

/// Which layer classes keep a state across calls, for the stages after quantization.
public enum StatefulLayerClasses {
    /// Whether `className` (float or quantized form, with or without registration prefix) keeps a
    /// state across calls.
    public static func contains(_ className: String) -> Bool {
        let base = className.split(separator: ">").last.map(String.init) ?? className
        return QuantizedLayerRegistry.type(ofAnyClass: base)?.carriesState ?? false
    }
}
