// Add: the element-wise sum of two or more inputs of one shape. QuantizedAdd shares its config
// and shape.
import Tensors

public struct AddLayer: KerasLayerType {
    public static let kerasClassNames = ["Add"]
    public static let quantizedClassNames = ["QuantizedAdd"]

    public init(className: String, config reader: ConfigReader) {}

    public var arity: Int? { nil }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        guard inputs.shapes.allSatisfy({ $0 == inputs.first }) else {
            throw inputs.error("inputs of different shapes \(inputs.shapes.map(shapeText)) cannot be added")
        }
        return inputs.first
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        { x in try Kernels.add(x) }
    }
}
