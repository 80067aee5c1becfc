// Recorder: derives the quantities QuantizeML's recorders hold after a forward pass (what the
// reference converter reads) from a QuantizedModel. The frac bits and scales flowing between
// layers come from the Quantization engine run on one zero sample; the quantizer formulas that
// the engine keeps internal (weight integers, aligned biases, ReLU maxima and padding values,
// output scale mantissas and shifts, input/Add alignment shifts) are evaluated here in float32
// exactly as the reference's graph-mode recording does.
import Foundation
import KerasGraph
import Quantization
import Tensors

enum Recorder {
    static func failure(_ layer: String, _ reason: String) -> ConversionError {
        ConversionError(kind: .invalidArgument, layer: layer, rule: "quantized-model",
                        message: reason, fix: "the quantized model is not usable; re-quantize it with SpikeForge or QuantizeML 1.2.5",
                        referenceType: "ValueError")
    }

    /// Recorded quantities of every layer of `model`.
    static func record(_ model: QuantizedModel) throws -> QuantizationRecord {
        let engine: QuantizedEngine
        let outputs: [String: QValue]
        do {
            engine = try QuantizedEngine(model: model, mode: .predict)
            outputs = try engine.layerOutputs(try zeroSample(model))
        } catch let error as ConversionError {
            throw error
        } catch {
            throw failure(model.name, "\(error)")
        }
        func meta(_ name: String) -> QTensor? {
            if case .quantized(let q)? = outputs[name] { return q }
            return nil
        }
        var layers: [String: RecordedLayer] = [:]
        for layer in model.layers {
            let inputs = layer.inputs.map { meta($0.layer) }
            let out = meta(layer.name)
            var r = RecordedLayer()
            switch layer.baseClassName {
            case "QuantizedConv2D", "QuantizedDense", "QuantizedDepthwiseConv2D", "QuantizedSeparableConv2D":
                guard let x = inputs.first ?? nil else { continue }
                r = try weighted(layer, input: x, output: out)
            case "QuantizedReLU":
                guard var x = inputs.first ?? nil else { continue }
                if x.scales == nil { x.scales = ChannelParam(scalar: 1) }
                if let mv = layer.config["max_value"]?.double {
                    let bits = layer.quantConfig?["max_value_quantizer"]?["bitwidth"]?.int ?? 8
                    let (m, shift) = try aligned([Float(mv)], onto: x.fracBits, scales: x.scales, targetBits: x.valueBits,
                                             bits: bits, signed: false, layer: layer.name)
                    r.maxValue = IntTensor(shape: [m.count], values: m)
                    r.maxValueShift = IntTensor(shape: [shift.count], values: shift)
                }
                try recordOutput(&r, layer, accFrac: x.fracBits, accScales: x.scales, output: out)
            case "QuantizedGlobalAveragePooling2D":
                guard let x = inputs.first ?? nil, x.shape.count == 4 else { continue }
                let frac = expandedFrac(x.fracBits)
                let count = Float(x.shape[1] * x.shape[2])
                let scales = x.scales.map { $0.map { $0 * (1 / count) } } ?? ChannelParam(scalar: Float(1.0 / Double(count)))
                try recordOutput(&r, layer, accFrac: frac, accScales: scales, output: out)
            case "QuantizedAdd":
                guard inputs.count == 2, let a = inputs[0], let b = inputs[1] else { continue }
                let fa = a.fracBits, fb = b.fracBits
                let n = max(fa.values.count, fb.values.count)
                let target = (0..<n).map { max(fa[$0], fb[$0]) }
                r.aShift = IntTensor(shape: [n], values: try (0..<n).map { try integral(target[$0] - fa[$0], layer: layer.name, what: "a_shift") })
                r.bShift = IntTensor(shape: [n], values: try (0..<n).map { try integral(target[$0] - fb[$0], layer: layer.name, what: "b_shift") })
                try recordOutput(&r, layer, accFrac: ChannelParam(perChannel: target), accScales: nil, output: out)
            case "InputQuantizer":
                guard let q = out else { continue }
                r.fracBits = q.fracBits.values.map(Double.init)
                if layer.config["signed"]?.bool == false {
                    let c = q.channels
                    guard q.values.count >= c else { continue }
                    r.zeroPoints = IntTensor(shape: [c], values: try (0..<c).map { try integral(q.values[$0], layer: layer.name, what: "zero point") })
                }
            case "Dequantizer":
                guard let x = inputs.first ?? nil else { continue }
                r.fracBits = x.fracBits.values.map(Double.init)
                r.scales = x.scales?.values
            default:
                continue
            }
            layers[layer.name] = r
        }
        return QuantizationRecord(layers: layers)
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
        return try NDArray(dtype: dtype, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * dtype.byteSize))
    }

    private static func expandedFrac(_ f: ChannelParam) -> ChannelParam {
        f.isUniform ? f : ChannelParam(scalar: f.maximum)
    }

    private static func weighted(_ layer: QuantizedLayer, input x: QTensor, output: QTensor?) throws -> RecordedLayer {
        var r = RecordedLayer()
        let qc = layer.quantConfig
        let cls = layer.baseClassName
        let storedBuffer = qc?["buffer_bitwidth"]?.int ?? 32
        let bufferBits = (cls == "QuantizedSeparableConv2D" ? storedBuffer : min(28, storedBuffer)) - 1
        func variable(_ name: String) throws -> Tensor<Float> {
            guard let v = layer.variable(name) else { throw failure(layer.name, "variable '\(name)' is missing") }
            return v
        }
        let accFrac: ChannelParam, accScales: ChannelParam
        var inputFrac = x.fracBits
        if cls != "QuantizedDepthwiseConv2D" && !x.fracBits.isUniform {
            let top = x.fracBits.maximum
            r.inputShift = IntTensor(shape: [x.fracBits.values.count], values: try x.fracBits.values.map { try integral(top - $0, layer: layer.name, what: "input shift") })
            inputFrac = ChannelParam(scalar: top)
        }
        switch cls {
        case "QuantizedSeparableConv2D":
            let dwBits = qc?["dw_weight_quantizer"]?["bitwidth"]?.int ?? 8
            let pwBits = qc?["pw_weight_quantizer"]?["bitwidth"]?.int ?? 8
            let dw = try quantizeWeights(try variable("depthwise_kernel"), bits: dwBits, perChannel: .tensor, layer: layer.name)
            let pw = try quantizeWeights(try variable("pointwise_kernel"), bits: pwBits, perChannel: .last, layer: layer.name)
            r.weights["depthwise_kernel"] = dw.ints
            r.weights["pointwise_kernel"] = pw.ints
            accFrac = inputFrac
            accScales = ChannelParam(perChannel: pw.scales.map { dw.scales[0] * $0 })
        default:
            let bits = qc?["weight_quantizer"]?["bitwidth"]?.int ?? 8
            let depthwise = cls == "QuantizedDepthwiseConv2D"
            let w = try quantizeWeights(try variable(depthwise ? "depthwise_kernel" : "kernel"), bits: bits,
                                    perChannel: depthwise ? .depthwise : .last, layer: layer.name)
            r.weights["kernel"] = w.ints
            accFrac = inputFrac
            let ws = ChannelParam(perChannel: w.scales)
            if !depthwise, let s = x.scales {
                guard s.isUniform else { throw failure(layer.name, "a QFloat input with per-channel scales is not per-tensor") }
                accScales = s.combined(ws) { $0 * $1 }
            } else {
                accScales = ws
            }
            if let pv = layer.config["padding_value"], !pv.isNull {
                let values = (pv.array ?? [pv]).compactMap { $0.double.map(Float.init) }
                let (p, _) = try aligned(values, onto: inputFrac, scales: x.scales, targetBits: bufferBits, bits: bits, signed: true, layer: layer.name)
                r.paddingValue = IntTensor(shape: [p.count], values: p)
            }
        }
        if layer.config["use_bias"]?.bool ?? true, let bias = layer.variable("bias") {
            let bits = qc?["bias_quantizer"]?["bitwidth"]?.int ?? 8
            let signed = qc?["bias_quantizer"]?["signed"]?.bool ?? true
            let (b, shift) = try aligned(bias.scalars, onto: accFrac, scales: accScales, targetBits: bufferBits, bits: bits, signed: signed, layer: layer.name)
            r.bias = IntTensor(shape: [b.count], values: b)
            r.biasShift = IntTensor(shape: [shift.count], values: shift)
        }
        try recordOutput(&r, layer, accFrac: accFrac, accScales: accScales, output: output)
        return r
    }

    /// Output quantizer: scale mantissas of the QFloat it receives and the shift to its output frac bits.
    private static func recordOutput(_ r: inout RecordedLayer, _ layer: QuantizedLayer, accFrac: ChannelParam,
                                     accScales: ChannelParam?, output: QTensor?) throws {
        guard let oq = layer.quantConfig?["output_quantizer"], oq.objectPairs != nil, let out = output else { return }
        var frac = accFrac
        if let s = accScales {
            let rate = layer.variable("output_quantizer/rescaling_rate").map {
                $0.shape.isEmpty ? ChannelParam(scalar: $0.scalars[0]) : ChannelParam(perChannel: $0.scalars)
            } ?? ChannelParam(scalar: 1)
            let scaleBits = oq["scale_bits"]?.int ?? 8
            let combined = s.combined(rate) { $0 * $1 }
            let fq = combined.map { Float(scaleBits) - ceilLog2($0) }
            let (lo, hi) = bounds(scaleBits)
            let q = combined.combined(fq) { min(max(($0 * pow2f($1)).rounded(.toNearestOrEven), lo), hi) }
            r.outputScales = IntTensor(shape: [q.values.count], values: try q.values.map { try integral($0, layer: layer.name, what: "output scale") })
            frac = accFrac.combined(fq) { $0 + $1 }
        }
        let shift = out.fracBits.combined(frac) { $0 - $1 }
        r.outputShift = IntTensor(shape: [shift.values.count], values: try shift.values.map { try integral($0, layer: layer.name, what: "output shift") })
    }

    private enum Axis { case last, depthwise, tensor }

    /// WeightQuantizer: per-channel `S = max(max|W| · (1/(2^vb − 1)), 1e-6)`, `W_q = sat(RNE(W / S))`.
    private static func quantizeWeights(_ w: Tensor<Float>, bits: Int, perChannel axis: Axis, layer: String) throws -> (ints: IntTensor, scales: [Float]) {
        let vb = bits - 1, shape = w.shape, last = shape.last ?? 1
        let depthChannels = shape.count >= 2 ? shape[shape.count - 2] : 1
        let count = axis == .last ? last : (axis == .depthwise ? depthChannels : 1)
        let channel: (Int) -> Int = { i in
            switch axis {
            case .last: return i % last
            case .depthwise: return (i / last) % depthChannels
            case .tensor: return 0
            }
        }
        var ranges = [Float](repeating: 0, count: count)
        for (i, v) in w.scalars.enumerated() { ranges[channel(i)] = max(ranges[channel(i)], abs(v)) }
        let reciprocal = 1 / (pow2f(Float(vb)) - 1)
        let scales = ranges.map { max($0 * reciprocal, Float(1e-6)) }
        let (lo, hi) = bounds(vb)
        let values = try w.scalars.enumerated().map { i, v in
            try integral(min(max((v / scales[channel(i)]).rounded(.toNearestOrEven), lo), hi), layer: layer, what: "a weight")
        }
        return (IntTensor(shape: shape, values: values), scales)
    }

    /// AlignedWeightQuantizer onto a tensor with frac bits `frac` and `scales`: the upscaled
    /// integers (saturated to `targetBits`) and the left shift applied to each.
    private static func aligned(_ b: [Float], onto frac: ChannelParam, scales: ChannelParam?, targetBits: Int,
                                bits: Int, signed: Bool, layer: String) throws -> ([Int64], [Int64]) {
        let vb = signed ? bits - 1 : bits
        let s = scales ?? ChannelParam(scalar: 1)
        let bParam = b.count == 1 ? ChannelParam(scalar: b[0]) : ChannelParam(perChannel: b)
        let globalRange = b.map(abs).max() ?? 0
        let ranges = bits > 4 ? bParam.map(abs) : ChannelParam(scalar: globalRange)
        let fbB = ranges.combined(s) { $0 / $1 }.map { min(Float(vb) - ceilLog2($0), Float(vb)) }.combined(frac) { min($0, $1) }
        let scaled = bParam.combined(s) { $0 / $1 }
        let (lo, hi) = bounds(vb), (tlo, thi) = bounds(targetBits)
        let n = max(scaled.values.count, fbB.values.count, frac.values.count)
        var values: [Int64] = [], shifts: [Int64] = []
        for i in 0..<n {
            let q = min(max((scaled[i] * pow2f(fbB[i])).rounded(.toNearestOrEven), lo), hi)
            let shift = frac[i] - fbB[i]
            values.append(try integral(min(max((q * pow2f(shift) + 0.5).rounded(.down), tlo), thi), layer: layer, what: "an aligned value"))
            shifts.append(try integral(shift, layer: layer, what: "an alignment shift"))
        }
        return (values, shifts)
    }

    private static func bounds(_ bits: Int) -> (Float, Float) {
        let p = pow2f(Float(bits))
        return (-p, p - 1)
    }

    private static func pow2f(_ n: Float) -> Float {
        guard n.isFinite else { return n > 0 ? .infinity : 0 }
        return Float(sign: .plus, exponent: Int(n), significand: 1)
    }

    /// TensorFlow's float32 `ceil(log2(x))` (log computed as ln(x)/ln(2) in float32).
    private static func ceilLog2(_ x: Float) -> Float { (logf(x) / Float(0.6931472)).rounded(.up) }
}

extension Converter {
    /// Converts a QuantizeML-quantized model (as read from its .h5) for `target`.
    /// Models quantized with the legacy `cnn2snn.quantize` always become Akida 1.0 models, whatever
    /// the target, as with the reference.
    public static func convert(quantized: QuantizedModel, target: AkidaTarget) throws -> ConversionOutput {
        if LegacyConverter.isLegacy(quantized) { return try LegacyConverter.convert(quantized) }
        let graph = QGraph(quantized: quantized)
        // Model-level and pattern refusals do not need the recorded integers: report them first.
        _ = try plan(graph: graph, target: target)
        return try convert(graph: graph, records: try Recorder.record(quantized), target: target)
    }

    /// Every problem preventing the conversion of a quantized model for `target`.
    public static func checkCompatibility(quantized: QuantizedModel, target: AkidaTarget) -> [Problem] {
        if LegacyConverter.isLegacy(quantized) {
            do { _ = try LegacyConverter.convert(quantized); return [] } catch let error as ConversionError { return [error.problem] }
            catch { return [Recorder.failure(quantized.name, "\(error)").problem] }
        }
        let graph = QGraph(quantized: quantized)
        do {
            return checkCompatibility(graph: graph, records: try Recorder.record(quantized), target: target)
        } catch let error as ConversionError {
            return graph.structuralProblems(target: target) + [error.problem]
        } catch {
            return graph.structuralProblems(target: target)
                + [Recorder.failure(quantized.name, "\(error)").problem]
        }
    }
}

extension QGraph {
    /// A graph over a quantized model's layers.
    public init(quantized: QuantizedModel) {
        self.init(name: quantized.name,
                  layers: quantized.layers.map { QLayer(name: $0.name, className: $0.className, config: $0.config,
                                                        inbounds: $0.inputs.map(\.layer)) },
                  inputNames: quantized.inputs, outputNames: quantized.outputs.map(\.layer))
    }
}
