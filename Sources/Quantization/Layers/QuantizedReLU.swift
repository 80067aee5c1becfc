// QuantizedReLU (reference §7.8): clips a QFloat view of its input at 0 and at `max_value`
// aligned on the input; quantizes ReLU (negative_slope and threshold 0 only).
import KerasGraph

enum QuantizedReLU: QuantizedLayerType {
    static let className = "QuantizedReLU"
    static let floatClasses = ["ReLU"]

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        let cfg = node.config
        if (cfg["negative_slope"]?.double ?? 0) != 0 || (cfg["threshold"]?.double ?? 0) != 0 { return nil }
        var qc = quantConfig
        guard acceptsBitwidth(qc["max_value_quantizer"], signedDefault: false) else { return nil }
        if qc["max_value_quantizer"]?["signed"] != nil { return nil }
        qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
        return .object(kept(cfg) + [("quant_config", qc.json), ("max_value", cfg["max_value"] ?? .null)])
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try ReLUOp(layer) }
}

struct ReLUOp: LayerOp {
    let name: String
    let bufferBits: Int
    let maxValue: Float?
    let maxValueBits: Int
    let oq: OutputQuantizerSpec?
    let maxValueMemo = QuantizationMemo<[Float]>()
    let outputMemo = QuantizationMemo<OutputScaling>()

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        bufferBits = r.quantConfig.bufferBitwidth
        maxValue = layer.config["max_value"]?.double.map(Float.init)
        maxValueBits = r.quantConfig.bitwidth("max_value_quantizer")
        oq = try r.outputQuantizer()
        for key in ["negative_slope", "threshold"] {
            if let v = layer.config[key]?.double, v != 0 { throw r.fail("\(key) = \(v) is not supported (must be 0)") }
        }
    }

    /// The input as the ReLU sees it: a QFloat (scale 1 for a FixedPoint).
    func adapted(_ inputs: [QValue]) throws -> QTensor {
        var x = try adaptInput(inputs[0], layer: name, bits: bufferBits, expand: false)
        if x.scales == nil { x.scales = ChannelParam(scalar: 1) }
        return x
    }

    /// `max_value` aligned on the input, with the shift that aligned it.
    func alignedMaxValue(_ x: QTensor) throws -> (values: ChannelParam, shifts: [Float])? {
        guard let mv = maxValue else { return nil }
        return try alignedQuantize([mv], bIsScalar: true, onto: x, bits: maxValueBits, signed: false)
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try adapted(inputs)
        let adapted = x.quantization
        let top = try maxValueMemo.value(for: x) { try alignedMaxValue(adapted)?.values.values ?? [.infinity] }
        affine(&x.values, channels: x.channels, lo: [0], hi: top)
        return .quantized(try applyOutputQuantizer(x, oq, memo: outputMemo))
    }
}

extension ReLUOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        let x = try adapted(inputs)
        var r = LayerIntegers()
        if let m = try alignedMaxValue(x) {
            r.maxValue = m.values.values
            r.maxValueShift = m.shifts
        }
        r.setOutput(x, oq)
        return r
    }
}
