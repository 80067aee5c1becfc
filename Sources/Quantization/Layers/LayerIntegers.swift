// LayerIntegers: the integer quantities each quantized layer derives from its float variables
// and from the quantization of its inputs — what QuantizeML's recorders hold after a forward
// pass, and what the Akida converter reads. Each is taken from the same functions the engine
// computes with, so a converted model and the quantized engine cannot disagree.
import Tensors

/// Integer quantities of one layer; payloads are integers held in Float32 (as in `QTensor`).
/// An absent entry means the layer has no such quantizer.
public struct LayerIntegers: Equatable, Sendable {
    /// Integer kernel (`weight_quantizer`; `dw_weight_quantizer` of a separable layer).
    public var kernel: Tensor<Float>?
    /// Integer pointwise kernel of a separable layer (`pw_weight_quantizer`).
    public var pointwiseKernel: Tensor<Float>?
    /// Bias aligned on the accumulator's frac bits, and the left shift that aligned it.
    public var bias: [Float]?
    public var biasShift: [Float]?
    /// Per-channel left shift that expands a per-axis input to per-tensor frac bits (weight
    /// layers: per-axis inputs only; GlobalAveragePooling2D and Flatten: always).
    public var inputShift: [Float]?
    /// Padding value of a convolution that pads itself, aligned on its input.
    public var paddingValue: [Float]?
    /// ReLU `max_value` aligned on its input, and the left shift that aligned it.
    public var maxValue: [Float]?
    public var maxValueShift: [Float]?
    /// OutputQuantizer: scale mantissas (QFloat inputs only) and the shift to the output frac bits.
    public var outputScales: [Float]?
    public var outputShift: [Float]?
    /// QuantizedAdd: left shifts aligning each input on the larger frac bits.
    public var aShift: [Float]?
    public var bShift: [Float]?
    /// InputQuantizer: output frac bits; Dequantizer: frac bits of its input.
    public var fracBits: [Float]?
    /// Dequantizer: the scales of its QFloat input.
    public var scales: [Float]?
    /// Unsigned InputQuantizer: the zero-point payload (one value, or one per channel).
    public var zeroPoints: [Float]?

    public init() {}

    mutating func setOutput(_ x: QTensor, _ oq: OutputQuantizerSpec?) {
        guard let o = outputQuantizerIntegers(x, oq) else { return }
        outputScales = o.scales?.values
        outputShift = o.shift.values
    }
}

/// The left shifts that expand `x` to its largest frac bits.
func expandShifts(_ x: QTensor) -> [Float] {
    let top = x.fracBits.maximum
    return x.fracBits.values.map { top - $0 }
}

/// A layer whose integer quantities depend on its inputs' quantization.
protocol IntegerDeriving {
    /// nil when the layer derives nothing from these inputs.
    func integers(_ inputs: [QValue]) throws -> LayerIntegers?
}

extension QuantizedEngine {
    /// Runs the model on `input` and returns, by layer name, the integer quantities of every
    /// layer that has some (weight layers, ReLU, pooling, Add, input quantizer, dequantizer).
    /// Apart from an unsigned InputQuantizer's input, none depends on the input's values.
    public func layerIntegers(_ input: NDArray) throws -> [String: LayerIntegers] {
        let values = try evaluate(input, keepAll: true)
        var out: [String: LayerIntegers] = [:]
        for (i, layer) in model.layers.enumerated() {
            guard let op = ops[i] as? IntegerDeriving else { continue }
            let ins = inputIndices[i].compactMap { values[$0] }
            guard !ins.isEmpty, ins.count == inputIndices[i].count else { continue }
            out[layer.name] = try reportingLayer(layer.name) { try op.integers(ins) }
        }
        return out
    }
}

extension WeightLayerOp: IntegerDeriving {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        guard let input = inputs.first else { return nil }
        let x = try adaptInput(input, layer: name, bits: bufferBits, expand: kind != .depthwise,
                               acceptQFloat: kind == .conv || kind == .dense)
        var r = LayerIntegers()
        r.kernel = Tensor(shape: weights.shape, scalars: weights.values)
        r.pointwiseKernel = pointwise.map { Tensor(shape: $0.shape, scalars: $0.values) }
        if kind != .depthwise, case .quantized(let q) = input, !q.fracBits.isUniform {
            r.inputShift = expandShifts(q)
        }
        r.paddingValue = try alignedPadding(x)?.values.values
        let scales = try accumulatorScales(x)
        let acc = QTensor(values: [], shape: [scales.values.count], valueBits: bufferBits, fracBits: x.fracBits, scales: scales)
        if let bias {
            let b = try alignedQuantize(bias.scalars, bIsScalar: bias.shape.isEmpty, onto: acc, bits: biasBits, signed: biasSigned)
            r.bias = b.values.values
            r.biasShift = b.shifts
        }
        r.setOutput(acc, oq)
        return r
    }
}

extension ReLUOp: IntegerDeriving {
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

extension GlobalAveragePoolOp: IntegerDeriving {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        var x = try adapted(inputs)
        x.scales = meanScales(x)
        var r = LayerIntegers()
        if case .quantized(let q) = inputs[0] { r.inputShift = expandShifts(q) }
        r.setOutput(x, oq)
        return r
    }
}

extension AddOp: IntegerDeriving {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        let (a, b) = try operands(inputs)
        let target = a.fracBits.combined(b.fracBits, max)
        var r = LayerIntegers()
        r.aShift = target.combined(a.fracBits) { $0 - $1 }.values
        r.bShift = target.combined(b.fracBits) { $0 - $1 }.values
        r.setOutput(QTensor(values: [], shape: a.shape, valueBits: bufferBits,
                            fracBits: average ? target.map { $0 + 1 } : target), oq)
        return r
    }
}

extension InputQuantizerOp: IntegerDeriving {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        var r = LayerIntegers()
        r.fracBits = spec.fracBits.values
        r.zeroPoints = spec.zeroPoints?.values
        return r
    }
}

extension FlattenOp: IntegerDeriving {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        var r = LayerIntegers()
        r.inputShift = expandShifts(try expectQuantized(inputs[0], layer: name))
        return r
    }
}

extension DequantizerOp: IntegerDeriving {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        guard case .quantized(let x) = inputs[0] else { return nil }
        var r = LayerIntegers()
        r.fracBits = x.fracBits.values
        r.scales = x.scales?.values
        return r
    }
}
