// QuantizedConcatenate (reference §7.14): two FixedPoint inputs joined along an axis; on the
// channel axis their frac bits are joined too, elsewhere they must be equal.
import KerasGraph

enum QuantizedConcatenate: QuantizedLayerType {
    static let className = "QuantizedConcatenate"
    static let floatClasses = ["Concatenate"]
    static let holdsOutputQuantizer = false
    static let needsAlignedInputs = true

    /// QuantizeML joins the channels' frac bits on the axis as written, so only -1 names the
    /// channel axis there: a positive channel axis fails in the reference and is refused here.
    static func checkQuantizable(_ node: GraphNode, inputShapes: [[Int]]) throws {
        guard let axis = node.config["axis"]?.int, let rank = inputShapes.first.map({ $0.count + 1 }) else { return }
        if axis >= 0 && axis == rank - 1 {
            throw QuantizationError.concatenateChannelAxis(layer: node.name, axis: axis)
        }
    }

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        .object(kept(node.config, ["axis"]) + [("quant_config", quantConfig.json)])
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { ConcatenateOp(layer) }
}

struct ConcatenateOp: LayerOp {
    let name: String
    let axis: Int

    init(_ layer: QuantizedLayer) {
        name = layer.name
        axis = layer.config["axis"]?.int ?? -1
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        guard inputs.count == 2 else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "QuantizedConcatenate takes exactly 2 inputs, got \(inputs.count)")
        }
        let a = try expectQuantized(inputs[0], layer: name), b = try expectQuantized(inputs[1], layer: name)
        guard !a.isQFloat && !b.isQFloat, a.shape.count == b.shape.count else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "QuantizedConcatenate takes two FixedPoints of the same rank")
        }
        let rank = a.shape.count
        let ax = axis < 0 ? axis + rank : axis
        guard ax >= 1 && ax < rank, (0..<rank).allSatisfy({ $0 == ax || a.shape[$0] == b.shape[$0] }) else {
            throw QuantizedModelError.invalidInput(
                "layer '\(name)' cannot concatenate shapes \(a.shape) and \(b.shape) on axis \(axis)")
        }
        let fb: ChannelParam
        if ax == rank - 1 {
            fb = ChannelParam(
                perChannel: (0..<a.channels).map { a.fracBits[$0] } + (0..<b.channels).map { b.fracBits[$0] })
        } else {
            guard a.fracBits == b.fracBits else {
                throw QuantizedModelError.arithmetic(
                    layer: name, reason: "inputs concatenated on axis \(axis) must have equal frac bits")
            }
            fb = a.fracBits
        }
        let outer = a.shape[..<ax].reduce(1, *)
        let ia = a.shape[ax...].reduce(1, *), ib = b.shape[ax...].reduce(1, *)
        var values = [Float]()
        values.reserveCapacity(a.values.count + b.values.count)
        for o in 0..<outer {
            values.append(contentsOf: a.values[(o * ia)..<((o + 1) * ia)])
            values.append(contentsOf: b.values[(o * ib)..<((o + 1) * ib)])
        }
        var shape = a.shape
        shape[ax] += b.shape[ax]
        return .quantized(QTensor(values: values, shape: shape, valueBits: max(a.valueBits, b.valueBits), fracBits: fb))
    }
}
