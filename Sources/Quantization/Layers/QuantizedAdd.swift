// QuantizedAdd (reference §7.13): two FixedPoint inputs aligned on the larger frac bits, summed
// on the buffer width. Its inputs need OutputQuantizers; its own sum has no scale, so
// equalization never starts from it.
import KerasGraph

enum QuantizedAdd: QuantizedLayerType {
    static let className = "QuantizedAdd"
    static let floatClasses = ["Add"]
    static let needsAlignedInputs = true
    static let startsEqualization = false

    static func checkQuantizable(_ node: GraphNode) throws {
        if node.inputs.count != 2 { throw QuantizationError.addArity(layer: node.name, inputs: node.inputs.count) }
    }

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        var qc = quantConfig
        qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
        return .object(kept(node.config) + [("average", .bool(false)), ("quant_config", qc.json)])
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try AddOp(layer) }
}

struct AddOp: LayerOp {
    let name: String
    let bufferBits: Int
    let average: Bool
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        bufferBits = r.quantConfig.bufferBitwidth - 1
        average = r.bool("average", default: false)
        oq = try r.outputQuantizer()
    }

    /// The two FixedPoint operands.
    func operands(_ inputs: [QValue]) throws -> (QTensor, QTensor) {
        guard inputs.count == 2 else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "QuantizedAdd takes exactly 2 inputs, got \(inputs.count)")
        }
        let a = try expectQuantized(inputs[0], layer: name), b = try expectQuantized(inputs[1], layer: name)
        guard !a.isQFloat && !b.isQFloat else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedAdd only accepts FixedPoint inputs")
        }
        guard a.shape == b.shape else {
            throw QuantizedModelError.invalidInput("layer '\(name)' adds tensors of shapes \(a.shape) and \(b.shape)")
        }
        return (a, b)
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let (a, b) = try operands(inputs)
        let a2 = try a.rescaled(to: a.fracBits.combined(b.fracBits, max), bits: bufferBits)
        let b2 = try b.rescaled(to: b.fracBits.combined(a2.fracBits, max), bits: bufferBits)
        var y = a2
        for i in y.values.indices { y.values[i] = a2.values[i] + b2.values[i] }
        saturate(&y.values, bufferBits)
        if average { y.fracBits = y.fracBits.map { $0 + 1 } }
        return .quantized(try applyOutputQuantizer(y, oq))
    }
}

extension AddOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        let (a, b) = try operands(inputs)
        let target = a.fracBits.combined(b.fracBits, max)
        var r = LayerIntegers()
        r.aShift = target.combined(a.fracBits) { $0 - $1 }.values
        r.bShift = target.combined(b.fracBits) { $0 - $1 }.values
        r.setOutput(
            QTensor(
                values: [], shape: a.shape, valueBits: bufferBits,
                fracBits: average ? target.map { $0 + 1 } : target), oq)
        return r
    }
}
