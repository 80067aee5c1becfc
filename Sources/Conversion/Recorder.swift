// Recorder: the quantities QuantizeML's recorders hold after a forward pass (what the
// reference converter reads), taken from the Quantization engine's per-layer integers on one
// zero sample and checked to be integers.
import Foundation
import KerasGraph
import Quantization
import Tensors

enum Recorder {
    static func failure(_ layer: String, _ reason: String) -> ConversionError {
        ConversionError(
            kind: .invalidArgument, layer: layer, rule: "quantized-model",
            message: reason,
            fix: "the quantized model is not usable; re-quantize it with SpikeForge or QuantizeML 1.2.5",
            referenceType: "ValueError")
    }

    /// Recorded quantities of every layer of `model`.
    static func record(_ model: QuantizedModel) throws -> QuantizationRecord {
        let integers: [String: LayerIntegers]
        do {
            integers = try QuantizedEngine(model: model, mode: .predict).layerIntegers(try zeroSample(model))
        } catch let error as ConversionError {
            throw error
        } catch {
            throw failure(model.name, "\(error)")
        }
        var layers: [String: RecordedLayer] = [:]
        for (name, values) in integers { layers[name] = try recorded(values, layer: name) }
        return QuantizationRecord(layers: layers)
    }

    private static func recorded(_ i: LayerIntegers, layer: String) throws -> RecordedLayer {
        func ints(_ v: [Float]?, _ what: String) throws -> IntTensor? {
            try v.map {
                IntTensor(shape: [$0.count], values: try $0.map { try integral($0, layer: layer, what: what) })
            }
        }
        func kernel(_ t: Tensor<Float>?) throws -> IntTensor? {
            try t.map {
                IntTensor(
                    shape: $0.shape, values: try $0.scalars.map { try integral($0, layer: layer, what: "a weight") })
            }
        }
        var r = RecordedLayer()
        if let pw = try kernel(i.pointwiseKernel) {
            r.weights["depthwise_kernel"] = try kernel(i.kernel)
            r.weights["pointwise_kernel"] = pw
        } else {
            r.weights["kernel"] = try kernel(i.kernel)
        }
        for entry in RecordEntry.integers { r[keyPath: entry.field] = try ints(i[keyPath: entry.integers], entry.what) }
        r.fracBits = i.fracBits?.map(Double.init)
        r.scales = i.scales
        return r
    }

    /// One all-zero sample of the model input (the reference records on a random sample; every
    /// recorded quantity is independent of the sample's values).
    static func zeroSample(_ model: QuantizedModel) throws -> NDArray {
        guard let inputName = model.inputs.first, let input = model.layer(named: inputName) else {
            throw failure(model.name, "the model has no input layer")
        }
        let dims = (input.config["batch_input_shape"]?.array ?? []).dropFirst().map { $0.int ?? 1 }
        let dtype = DType(rawValue: input.config["dtype"]?.string ?? "float32") ?? .float32
        let shape = [1] + dims
        return try NDArray(
            dtype: dtype, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * dtype.byteSize))
    }
}

extension Converter {
    /// Converts a QuantizeML-quantized model (as read from its .h5) for `target`.
    /// Models quantized with the legacy `cnn2snn.quantize` always become Akida 1.0 models, whatever
    /// the target, as with the reference.
    public static func convert(quantized: QuantizedModel, target: AkidaTarget) throws -> ConversionOutput {
        if LegacyConverter.isLegacy(quantized) { return try LegacyConverter.convert(quantized) }
        let graph = QuantizedKerasGraph(quantized: quantized)
        // Model-level and pattern refusals do not need the recorded integers: report them first.
        _ = try plan(graph: graph, target: target)
        return try convert(graph: graph, records: try Recorder.record(quantized), target: target)
    }

    /// Every problem preventing the conversion of a quantized model for `target`.
    public static func checkCompatibility(quantized: QuantizedModel, target: AkidaTarget) -> [CompatibilityProblem] {
        if LegacyConverter.isLegacy(quantized) {
            do { _ = try LegacyConverter.convert(quantized); return [] } catch let error as ConversionError {
                return [error.compatibilityProblem]
            } catch { return [Recorder.failure(quantized.name, "\(error)").compatibilityProblem] }
        }
        let graph = QuantizedKerasGraph(quantized: quantized)
        do {
            return checkCompatibility(graph: graph, records: try Recorder.record(quantized), target: target)
        } catch let error as ConversionError {
            return graph.structuralProblems(target: target) + [error.compatibilityProblem]
        } catch {
            return graph.structuralProblems(target: target)
                + [Recorder.failure(quantized.name, "\(error)").compatibilityProblem]
        }
    }
}

extension QuantizedKerasGraph {
    /// A graph over a quantized model's layers.
    public init(quantized: QuantizedModel) {
        self.init(
            name: quantized.name,
            layers: quantized.layers.map(QuantizedKerasLayer.init),
            inputNames: quantized.inputs, outputNames: quantized.outputs.map(\.layer))
    }
}

extension QuantizedKerasLayer {
    /// The converter's view of a quantized model's layer.
    init(_ layer: QuantizedLayer) {
        self.init(
            name: layer.name, className: layer.className, config: layer.config, inbounds: layer.inputs.map(\.layer))
    }
}
