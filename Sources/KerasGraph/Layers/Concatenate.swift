// Concatenate: two or more inputs joined along one feature axis. QuantizedConcatenate shares its
// config and shape.
import Tensors

public struct ConcatenateLayer: KerasLayerType {
    public static let kerasClassNames = ["Concatenate"]
    public static let quantizedClassNames = ["QuantizedConcatenate"]

    /// The Keras axis (counted with the batch axis; negative from the end).
    public let axis: Int

    public init(className: String, config reader: ConfigReader) throws {
        guard let axis = (reader.config["axis"] ?? .number(-1)).int else {
            throw reader.error("axis must be an integer")
        }
        self.axis = axis
    }

    public var arity: Int? { nil }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let a = try inputs.featureAxis(axis)
        let first = inputs.first
        for s in inputs.shapes
        where s.count != first.count || s.indices.contains(where: { $0 != a && s[$0] != first[$0] }) {
            throw inputs.error(
                "inputs \(inputs.shapes.map(shapeText)) differ on an axis other than the concatenation axis \(axis)")
        }
        var out = first
        out[a] = inputs.shapes.reduce(0) { $0 + $1[a] }
        return out
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        let a = try inputs.featureAxis(axis)
        return { x in try Kernels.concatenate(x, axis: a + 1) }
    }
}
