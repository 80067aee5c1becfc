// Multiply: the element-wise product of two or more inputs, broadcast as tf_keras merges them
// (a squeeze-excite block multiplies (h, w, c) by (1, 1, c)). QuantizeML has no quantized
// Multiply: quantization stops before it and it runs in the float tail.
import Tensors

public struct MultiplyLayer: KerasLayerType {
    public static let kerasClassNames = ["Multiply"]

    public init(className: String, config reader: ConfigReader) {}

    public var arity: Int? { nil }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        var shape = inputs.first
        for other in inputs.shapes.dropFirst() {
            guard other.count == shape.count, let joined = broadcastShape(shape, other) else {
                throw inputs.error("inputs of shapes \(inputs.shapes.map(shapeText)) cannot be multiplied")
            }
            shape = joined
        }
        return shape
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        { x in
            var product = x[0]
            for other in x.dropFirst() { product = try broadcastBinary(product, other, *) }
            return product
        }
    }
}
