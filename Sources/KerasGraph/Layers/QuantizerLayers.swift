// QuantizerLayers: the quantization-only layers that keep their input's shape — QuantizeML's
// InputQuantizer, Dequantizer and QuantizedActivation, and legacy CNN2SNN's
// ActivationDiscreteRelu. They exist only in quantized models: the registry knows their shape,
// and the float engine refuses them like any quantized layer (the quantized engine runs them).
import Tensors

public struct QuantizerLayer: KerasLayerType {
    public static let kerasClassNames: [String] = []
    public static let quantizedClassNames = [
        "InputQuantizer", "Dequantizer", "QuantizedActivation", "ActivationDiscreteRelu",
    ]

    public init(className: String, config reader: ConfigReader) {}

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { inputs.first }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        throw inputs.error("a quantization layer runs on the quantized engine, not the float engine")
    }
}
