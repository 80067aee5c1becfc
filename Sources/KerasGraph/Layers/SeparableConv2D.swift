// SeparableConv2D: a depthwise convolution (no bias) followed by a 1x1 pointwise convolution,
// the bias and the fused activation. QuantizedSeparableConv2D (QuantizeML and legacy CNN2SNN)
// shares its config and shape.
import Tensors

public struct SeparableConv2DLayer: KerasLayerType {
    public static let kerasClassNames = ["SeparableConv2D"]
    public static let aliasClassNames = ["SeparableConvolution2D"]
    public static let quantizedClassNames = ["QuantizedSeparableConv2D"]

    public let filters: Int
    public let multiplier: Int
    public let kernel: [Int]
    public let strides: [Int]
    public let padding: PaddingMode
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireSimpleConvolution()
        filters = try reader.positiveInt("filters")
        multiplier = try reader.positiveInt("depth_multiplier", default: 1)
        (kernel, strides, padding, useBias, activation) = try reader.convolutionWindow()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w) = try inputs.window(kernel, strides, padding)
        return [h, w, filters]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [
            WeightSlot(name: "depthwise_kernel", shape: [kernel[0], kernel[1], channels, multiplier]),
            WeightSlot(name: "pointwise_kernel", shape: [1, 1, channels * multiplier, filters]),
        ] + (useBias ? [WeightSlot(name: "bias", shape: [filters])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let padding = windowPadding(inputs.first, kernel, strides, self.padding)
        let empty = Tensor<Float>(shape: [0], scalars: [])
        let depthwise = weights["depthwise_kernel"] ?? empty, pointwise = weights["pointwise_kernel"] ?? empty
        let bias = weights["bias"]?.scalars
        let (strides, activation) = ((self.strides[0], self.strides[1]), self.activation)
        return { x in
            let d = try Kernels.depthwiseConv2D(x[0], kernel: depthwise, bias: nil, strides: strides, padding: padding)
            return try activation.apply(
                Kernels.conv2D(d, kernel: pointwise, bias: bias, strides: (1, 1), padding: .zero))
        }
    }
}
