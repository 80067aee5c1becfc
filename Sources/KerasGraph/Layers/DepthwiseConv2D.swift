// DepthwiseConv2D: one 2-D filter per input channel (times the depth multiplier), with its fused
// activation. QuantizedDepthwiseConv2D (QuantizeML and legacy CNN2SNN) shares its config and shape.
import Tensors

public struct DepthwiseConv2DLayer: KerasLayerType {
    public static let kerasClassNames = ["DepthwiseConv2D"]
    public static let quantizedClassNames = ["QuantizedDepthwiseConv2D"]

    public let multiplier: Int
    public let kernel: [Int]
    public let strides: [Int]
    public let padding: PaddingMode
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireSimpleConvolution()
        multiplier = try reader.positiveInt("depth_multiplier", default: 1)
        (kernel, strides, padding, useBias, activation) = try reader.convolutionWindow()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w) = try inputs.window(kernel, strides, padding)
        return [h, w, inputs.first[2] * multiplier]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "depthwise_kernel", shape: [kernel[0], kernel[1], channels, multiplier])]
            + (useBias ? [WeightSlot(name: "bias", shape: [channels * multiplier])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let padding = windowPadding(inputs.first, kernel, strides, self.padding)
        let kernel = weights["depthwise_kernel"] ?? Tensor(shape: [0], scalars: [])
        let bias = weights["bias"]?.scalars
        let (strides, activation) = ((self.strides[0], self.strides[1]), self.activation)
        return { x in
            try activation.apply(
                Kernels.depthwiseConv2D(x[0], kernel: kernel, bias: bias, strides: strides, padding: padding))
        }
    }
}
