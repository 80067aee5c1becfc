// DepthwiseConv2DTranspose: quantizeml's transposed depthwise convolution (one transposed 2-D
// filter per channel; the reference constrains it to strides 2, 'same' padding and depth
// multiplier 1, refused otherwise). QuantizedDepthwiseConv2DTranspose shares its config and shape.
import Tensors

public struct DepthwiseConv2DTransposeLayer: KerasLayerType {
    public static let kerasClassNames = ["DepthwiseConv2DTranspose"]
    public static let quantizedClassNames = ["QuantizedDepthwiseConv2DTranspose"]

    public let kernel: [Int]
    public let strides: [Int]
    public let padding: PaddingMode
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireSimpleConvolution()
        if try reader.positiveInt("depth_multiplier", default: 1) != 1 {
            throw reader.error("depth_multiplier must be 1 (quantizeml's DepthwiseConv2DTranspose constraint)")
        }
        kernel = try reader.pair("kernel_size")
        strides = try reader.pair("strides", default: 1)
        padding = try reader.padding()
        // quantizeml's arg_constraints, checked when the saved keys are present.
        if reader.config["strides"] != nil, strides != [2, 2] {
            throw reader.error("strides \(strides) are not supported (DepthwiseConv2DTranspose takes only 2)")
        }
        if reader.config["padding"] != nil, padding != .same {
            throw reader.error(
                "padding '\(padding.rawValue)' is not supported (DepthwiseConv2DTranspose takes only 'same')")
        }
        useBias = reader.bool("use_bias", default: true)
        activation = try reader.activation()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w, c) = try inputs.image("a transposed depthwise convolution")
        return [
            TransposedAxis(input: h, kernel: kernel[0], stride: strides[0], mode: padding).output,
            TransposedAxis(input: w, kernel: kernel[1], stride: strides[1], mode: padding).output, c,
        ]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "depthwise_kernel", shape: [kernel[0], kernel[1], channels, 1])]
            + (useBias ? [WeightSlot(name: "bias", shape: [channels])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let kernel = weights["depthwise_kernel"] ?? Tensor(shape: [0], scalars: [])
        let bias = weights["bias"]?.scalars
        let (strides, padding, activation) = ((self.strides[0], self.strides[1]), self.padding, self.activation)
        return { x in
            try activation.apply(
                Kernels.depthwiseConv2DTranspose(x[0], kernel: kernel, bias: bias, strides: strides, padding: padding))
        }
    }
}
