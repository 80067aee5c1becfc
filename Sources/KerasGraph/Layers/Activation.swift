// Activation: a built-in Keras activation applied as its own layer (see ActivationFunction for
// the formulas).
import Tensors

public struct ActivationLayer: KerasLayerType {
    public static let kerasClassNames = ["Activation"]

    public let function: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        function = try reader.activation()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { inputs.first }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let function = self.function
        return { x in try function.apply(x.removeLast()) }
    }
}
