// Conv3D: the Keras 3-D convolution over (T, H, W, C) volumes with its fused activation, grouped
// (akida_models builds depthwise temporal and spatial convolutions as groups = channels). Used by
// the Conv3D form of the spatio-temporal TENNs; quantization needs their streaming form
// (Quantization's ReplaceConv3D pass).
import Tensors

public struct Conv3DLayer: KerasLayerType {
    public static let kerasClassNames = ["Conv3D"]
    public static let aliasClassNames = ["Convolution3D"]

    public let filters: Int
    public let kernel: [Int]
    public let strides: [Int]
    public let padding: PaddingMode
    public let groups: Int
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        filters = try reader.positiveInt("filters")
        kernel = try reader.triple("kernel_size")
        strides = try reader.triple("strides", default: 1)
        padding = try reader.padding()
        if reader.config["dilation_rate"] != nil, try reader.triple("dilation_rate", default: 1) != [1, 1, 1] {
            throw reader.error("dilation_rate \(reader.config["dilation_rate"] ?? .null) is not supported (only 1)")
        }
        groups = try reader.positiveInt("groups", default: 1)
        guard filters % groups == 0 else {
            throw reader.error("filters \(filters) is not a multiple of groups \(groups)")
        }
        useBias = reader.bool("use_bias", default: true)
        activation = try reader.activation()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let volume = try inputs.volume("Conv3D")
        guard volume[3] % groups == 0 else {
            throw inputs.error("\(volume[3]) input channels are not a multiple of groups \(groups)")
        }
        return try inputs.window3D(kernel, strides, padding).map(\.output) + [filters]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "kernel", shape: kernel + [channels / groups, filters])]
            + (useBias ? [WeightSlot(name: "bias", shape: [filters])] : [])
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        let geometry = try inputs.window3D(kernel, strides, padding)
        let padding = Padding3D(before: geometry.map(\.padBefore), after: geometry.map(\.padAfter))
        let kernel = weights["kernel"] ?? Tensor(shape: [0], scalars: [])
        let (bias, strides, groups, activation) = (weights["bias"]?.scalars, self.strides, self.groups, self.activation)
        return { x in
            try activation.apply(
                Kernels.conv3D(x[0], kernel: kernel, bias: bias, strides: strides, padding: padding, groups: groups))
        }
    }
}

extension ConfigReader {
    /// A `(a, b, c)` triple given as a list or as one integer for all three.
    public func triple(_ key: String, default value: Int? = nil) throws -> [Int] {
        let raw = config[key]
        if let v = raw?.int ?? ((raw?.isNull ?? true) ? value : nil), v > 0, v <= LayerSpec.maxDimension {
            return [v, v, v]
        }
        guard let items = raw?.array?.compactMap(\.int), items.count == 3,
            items.allSatisfy({ $0 > 0 && $0 <= LayerSpec.maxDimension })
        else { throw error("'\(key)' must be a positive integer or a triple of them, got \(raw ?? .null)") }
        return items
    }
}

extension ShapeInputs {
    /// The first input as (depth, height, width, channels).
    public func volume(_ what: String) throws -> [Int] {
        guard first.count == 4 else {
            throw error("\(what) expects (time, height, width, channels) inputs, got \(shapeText(first))")
        }
        return first
    }

    /// TensorFlow's geometry of a 3-D window over the first input, axis by axis.
    func window3D(
        _ window: [Int], _ strides: [Int], _ padding: PaddingMode
    ) throws
        -> [(output: Int, padBefore: Int, padAfter: Int)]
    {
        let v = try volume("a 3-D window")
        let axes = (0..<3).map { windowGeometry(input: v[$0], kernel: window[$0], stride: strides[$0], mode: padding) }
        guard axes.allSatisfy({ $0.output > 0 }) else {
            throw error("a \(window) window with '\(padding.rawValue)' padding does not fit a \(v.prefix(3)) input")
        }
        return axes
    }
}
