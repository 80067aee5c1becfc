// Conv2D: the Keras 2-D convolution with its fused activation, and quantizeml's PaddedConv2D
// ('same' windows over an input padded with `padding_value`, then the bias, no activation).
// QuantizedConv2D (QuantizeML and legacy CNN2SNN) shares its config and shape.
import Tensors

public struct Conv2DLayer: KerasLayerType {
    public static let kerasClassNames = ["Conv2D"]
    public static let aliasClassNames = ["Convolution2D", "PaddedConv2D"]
    public static let quantizedClassNames = ["QuantizedConv2D"]

    public let filters: Int
    public let kernel: [Int]
    public let strides: [Int]
    public let padding: PaddingMode
    public let useBias: Bool
    public let activation: ActivationFunction
    /// PaddedConv2D's padding values (one, or one per input channel); nil for zero padding.
    public let paddingValue: [Float]?

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireSimpleConvolution()
        filters = try reader.positiveInt("filters")
        kernel = try reader.pair("kernel_size")
        strides = try reader.pair("strides", default: 1)
        useBias = reader.bool("use_bias", default: true)
        guard className == "PaddedConv2D" else {
            padding = try reader.padding()
            activation = try reader.activation()
            paddingValue = nil
            return
        }
        activation = .linear
        if let raw = reader.config["padding_value"], !raw.isNull {
            padding = .same
            paddingValue = try reader.floats("padding_value", default: 0)
        } else {
            padding = try reader.padding()
            paddingValue = nil
        }
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w) = try inputs.window(kernel, strides, padding)
        if let values = paddingValue, values.count != 1, values.count != inputs.first[2] {
            throw inputs.error("\(values.count) padding values for \(inputs.first[2]) input channels")
        }
        return [h, w, filters]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "kernel", shape: [kernel[0], kernel[1], channels, filters])]
            + (useBias ? [WeightSlot(name: "bias", shape: [filters])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let padding = windowPadding(inputs.first, kernel, strides, self.padding)
        let kernel = weights["kernel"] ?? Tensor(shape: [0], scalars: [])
        let bias = weights["bias"]?.scalars
        let strides = (self.strides[0], self.strides[1])
        if let values = paddingValue {
            // Padded explicitly, then 'valid' windows and the bias, as the reference layer computes.
            return { x in
                try Kernels.conv2D(
                    Kernels.pad2D(x[0], padding: padding, values: values), kernel: kernel, bias: bias, strides: strides,
                    padding: .zero)
            }
        }
        let activation = self.activation
        return { x in
            try activation.apply(Kernels.conv2D(x[0], kernel: kernel, bias: bias, strides: strides, padding: padding))
        }
    }
}
