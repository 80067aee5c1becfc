// Softmax: the Keras Softmax layer over one feature axis.
import Tensors

public struct SoftmaxLayer: KerasLayerType {
    public static let kerasClassNames = ["Softmax"]

    /// The Keras axis (counted with the batch axis; negative from the end).
    public let axis: Int

    public init(className: String, config reader: ConfigReader) throws {
        let config = reader.config
        let axis = config["axis"]?.array?.first ?? config["axis"] ?? .number(-1)
        guard let a = axis.int, config["axis"]?.array.map({ $0.count == 1 }) ?? true else {
            throw reader.error("softmax over several axes is not supported")
        }
        self.axis = a
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        _ = try inputs.featureAxis(axis)
        return inputs.first
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        let a = try inputs.featureAxis(axis)
        return { x in try Kernels.softmax(x[0], axis: a + 1) }
    }
}
