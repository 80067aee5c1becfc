// ActivityRegularization: a training-time loss on its input, the identity at inference.
import Tensors

public struct ActivityRegularizationLayer: KerasLayerType {
    public static let kerasClassNames = ["ActivityRegularization"]

    public init(className: String, config reader: ConfigReader) {}

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { inputs.first }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        { $0.removeLast() }
    }
}
