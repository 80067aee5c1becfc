// Flatten: all feature axes into one (channels-last order). QuantizedFlatten shares its config
// and shape.
import Tensors

public struct FlattenLayer: KerasLayerType {
    public static let kerasClassNames = ["Flatten"]
    public static let quantizedClassNames = ["QuantizedFlatten"]

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireChannelsLast()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { [inputs.first.reduce(1, *)] }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        reshapeForward(outputShape)
    }
}
