// QuantizedGlobalAveragePooling2D (reference §7.11): the spatial sum of an expanded per-tensor
// input, with the mean folded into the scales.
import KerasGraph

enum QuantizedGlobalAveragePooling2D: QuantizedLayerType {
    static let className = "QuantizedGlobalAveragePooling2D"
    static let floatClasses = ["GlobalAveragePooling2D", "GlobalAvgPool2D"]
    static let equalization = EqualizationRole.passes

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        var qc = quantConfig
        qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
        return .object(kept(node.config, ["data_format", "keepdims"]) + [("quant_config", qc.json)])
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try GlobalAveragePoolOp(layer, mode: mode)
    }
}

struct GlobalAveragePoolOp: LayerOp {
    let name: String
    let mode: ReferenceMode
    let bufferBits: Int
    let keepDims: Bool
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer, mode: ReferenceMode) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        self.mode = mode
        try r.requireChannelsLast()
        bufferBits = r.quantConfig.bufferBitwidth
        keepDims = r.bool("keepdims", default: false)
        oq = try r.outputQuantizer()
    }

    /// The input expanded to per-tensor frac bits, as a 4-D tensor.
    func adapted(_ inputs: [QValue]) throws -> QTensor {
        let x = try adaptInput(inputs[0], layer: name, bits: bufferBits, expand: true)
        guard x.shape.count == 4 else { throw QuantizedModelError.invalidInput("layer '\(name)' expects a 4-D input") }
        return x
    }

    /// The mean's scales: the input's divided by the number of positions summed.
    func meanScales(_ x: QTensor) -> ChannelParam {
        let count = x.shape[1] * x.shape[2]
        return x.scales.map { $0.map { mode.divide($0, byConstant: Float(count)) } }
            ?? ChannelParam(scalar: Float(1.0 / Double(count)))
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let x = try adapted(inputs)
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let sums = payload(spatialSum(x.values, n: n, h: h, w: w, c: c).map { Float($0) }, bits: bufferBits)
        let out = QTensor(
            values: sums, shape: keepDims ? [n, 1, 1, c] : [n, c], valueBits: bufferBits,
            fracBits: x.fracBits, scales: meanScales(x))
        return .quantized(try applyOutputQuantizer(out, oq))
    }
}

extension GlobalAveragePoolOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        var x = try adapted(inputs)
        x.scales = meanScales(x)
        var r = LayerIntegers()
        if case .quantized(let q) = inputs[0] { r.inputShift = expandShifts(q) }
        r.setOutput(x, oq)
        return r
    }
}
