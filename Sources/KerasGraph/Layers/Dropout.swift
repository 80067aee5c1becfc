// Dropout (and SpatialDropout1D): the identity at inference. QuantizedDropout shares its config and shape.
import Tensors

public struct DropoutLayer: KerasLayerType {
    public static let kerasClassNames = ["Dropout", "SpatialDropout1D"]
    public static let quantizedClassNames = ["QuantizedDropout"]

    public init(className: String, config reader: ConfigReader) {}

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { inputs.first }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        { $0.removeLast() }
    }
}
