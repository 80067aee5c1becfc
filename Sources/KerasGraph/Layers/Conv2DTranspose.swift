// Conv2DTranspose: the Keras transposed 2-D convolution (upsampling by its strides) with its
// fused activation; output_padding and dilation are refused. QuantizedConv2DTranspose shares
// its config and shape.
import Tensors

public struct Conv2DTransposeLayer: KerasLayerType {
    public static let kerasClassNames = ["Conv2DTranspose"]
    public static let aliasClassNames = ["Convolution2DTranspose"]
    public static let quantizedClassNames = ["QuantizedConv2DTranspose"]

    public let filters: Int
    public let kernel: [Int]
    public let strides: [Int]
    public let padding: PaddingMode
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireSimpleConvolution()
        if let p = reader.config["output_padding"], !p.isNull {
            throw reader.error("output_padding \(p) is not supported (only None)")
        }
        filters = try reader.positiveInt("filters")
        (kernel, strides, padding, useBias, activation) = try reader.convolutionWindow()
    }

    func axes(_ input: [Int]) -> (TransposedAxis, TransposedAxis) {
        (
            TransposedAxis(input: input[0], kernel: kernel[0], stride: strides[0], mode: padding),
            TransposedAxis(input: input[1], kernel: kernel[1], stride: strides[1], mode: padding)
        )
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w, _) = try inputs.image("a transposed convolution")
        let (rows, cols) = axes([h, w])
        return [rows.output, cols.output, filters]
    }

    /// Keras stores the kernel as (kh, kw, filters, input channels).
    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "kernel", shape: [kernel[0], kernel[1], filters, channels])]
            + (useBias ? [WeightSlot(name: "bias", shape: [filters])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let kernel = weights["kernel"] ?? Tensor(shape: [0], scalars: [])
        let bias = weights["bias"]?.scalars
        let (strides, padding, activation) = ((self.strides[0], self.strides[1]), self.padding, self.activation)
        return { x in
            try activation.apply(
                Kernels.conv2DTranspose(x[0], kernel: kernel, bias: bias, strides: strides, padding: padding))
        }
    }
}
