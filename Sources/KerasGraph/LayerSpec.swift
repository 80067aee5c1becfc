// LayerSpec: what a standard Keras layer computes, read from its config alone (no weights):
// the typed parameters, output-shape inference and the variables Keras would create (for
// parameter counts and for checking saved weights). The float engine and the model
// description both start here; unknown classes are refused with the list of known ones.
import Tensors

/// Errors in a layer's config, weights or inputs, naming the layer.
public enum LayerError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(layer: String, className: String, reason: String)
    case invalidWeights(layer: String, className: String, reason: String)
    case invalidInput(layer: String, className: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfig(let l, let c, let r): return "layer '\(l)' (\(c)): invalid config: \(r)"
        case .invalidWeights(let l, let c, let r): return "layer '\(l)' (\(c)): invalid weights: \(r)"
        case .invalidInput(let l, let c, let r): return "layer '\(l)' (\(c)): \(r)"
        }
    }
}

/// A variable the layer owns, as Keras creates it.
public struct WeightSlot: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var trainable: Bool
}

public enum PoolKind: String, Sendable, Codable {
    case max, average
}

/// The typed meaning of one standard Keras layer. Shapes here never include the batch axis.
public enum LayerSpec: Equatable, Sendable {
    case input(shape: [Int], dtype: DType)
    case conv2D(filters: Int, kernel: [Int], strides: [Int], padding: PaddingMode, useBias: Bool, activation: ActivationFunction)
    /// quantizeml's PaddedConv2D: 'same' windows over an input padded with `paddingValue`
    /// (one value or one per input channel), then a bias and no activation.
    case paddedConv2D(filters: Int, kernel: [Int], strides: [Int], paddingValue: [Float], useBias: Bool)
    case depthwiseConv2D(multiplier: Int, kernel: [Int], strides: [Int], padding: PaddingMode, useBias: Bool,
                         activation: ActivationFunction)
    case separableConv2D(filters: Int, multiplier: Int, kernel: [Int], strides: [Int], padding: PaddingMode,
                         useBias: Bool, activation: ActivationFunction)
    case dense(units: Int, useBias: Bool, activation: ActivationFunction)
    case batchNormalization(epsilon: Float, center: Bool, scale: Bool)
    case relu(maxValue: Float?, threshold: Float, negativeSlope: Float)
    case activation(ActivationFunction)
    case softmax(axis: Int)
    case pool2D(PoolKind, pool: [Int], strides: [Int], padding: PaddingMode)
    case globalPool2D(PoolKind, keepDims: Bool)
    case flatten
    case reshape(target: [Int])
    case identity
    case rescaling(scale: [Float], offset: [Float])
    case zeroPadding2D(Padding2D)
    case add
    case concatenate(axis: Int)

    /// Class names the float engine runs (Keras aliases included).
    public static let supportedClasses: [String] = [
        "InputLayer", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "BatchNormalization", "ReLU",
        "Activation", "Softmax", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
        "GlobalMaxPooling2D", "Flatten", "Reshape", "Dropout", "Rescaling", "ZeroPadding2D", "Add", "Concatenate",
    ]

    static let aliases: [String: String] = [
        "Convolution2D": "Conv2D", "SeparableConvolution2D": "SeparableConv2D", "MaxPool2D": "MaxPooling2D",
        "AvgPool2D": "AveragePooling2D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
        "GlobalMaxPool2D": "GlobalMaxPooling2D",
    ]

    /// The spec of `node`, or `GraphError.unsupported` for a class the engine does not run.
    public init(node: GraphNode) throws {
        try self.init(className: node.baseClassName, config: node.config, layer: node.name, displayClass: node.className)
    }

    /// The spec of a layer of class `className` (without registration prefix) and `config`.
    public init(className: String, config: JSONValue, layer: String, displayClass: String? = nil) throws {
        let cls = LayerSpec.aliases[className] ?? className
        let reader = ConfigReader(config: config, layer: layer, className: displayClass ?? className)
        switch cls {
        case "InputLayer":
            guard let dims = (config["batch_input_shape"] ?? config["batch_shape"])?.array, !dims.isEmpty else {
                throw reader.error("no batch_input_shape")
            }
            let shape = try dims.dropFirst().map { d -> Int in
                guard let v = d.int, v > 0, v <= LayerSpec.maxDimension else {
                    throw reader.error("input dimensions must be fixed positive integers, got \(config["batch_input_shape"] ?? .null)")
                }
                return v
            }
            let dtypeName = config["dtype"]?.string ?? "float32"
            guard let dtype = DType(rawValue: dtypeName), dtype != .bool else {
                throw reader.error("input dtype '\(dtypeName)' is not numeric")
            }
            self = .input(shape: shape, dtype: dtype)
        case "Conv2D":
            try reader.requireSimpleConvolution()
            self = .conv2D(filters: try reader.positiveInt("filters"), kernel: try reader.pair("kernel_size"),
                           strides: try reader.pair("strides", default: 1), padding: try reader.padding(),
                           useBias: reader.bool("use_bias", default: true), activation: try reader.activation())
        case "PaddedConv2D":
            try reader.requireSimpleConvolution()
            let (filters, kernel, strides) = (try reader.positiveInt("filters"), try reader.pair("kernel_size"),
                                              try reader.pair("strides", default: 1))
            let useBias = reader.bool("use_bias", default: true)
            if let raw = config["padding_value"], !raw.isNull {
                self = .paddedConv2D(filters: filters, kernel: kernel, strides: strides,
                                     paddingValue: try reader.floats("padding_value", default: 0), useBias: useBias)
            } else {
                self = .conv2D(filters: filters, kernel: kernel, strides: strides, padding: try reader.padding(),
                               useBias: useBias, activation: .linear)
            }
        case "DepthwiseConv2D":
            try reader.requireSimpleConvolution()
            self = .depthwiseConv2D(multiplier: try reader.positiveInt("depth_multiplier", default: 1),
                                    kernel: try reader.pair("kernel_size"), strides: try reader.pair("strides", default: 1),
                                    padding: try reader.padding(), useBias: reader.bool("use_bias", default: true),
                                    activation: try reader.activation())
        case "SeparableConv2D":
            try reader.requireSimpleConvolution()
            self = .separableConv2D(filters: try reader.positiveInt("filters"),
                                    multiplier: try reader.positiveInt("depth_multiplier", default: 1),
                                    kernel: try reader.pair("kernel_size"), strides: try reader.pair("strides", default: 1),
                                    padding: try reader.padding(), useBias: reader.bool("use_bias", default: true),
                                    activation: try reader.activation())
        case "Dense":
            self = .dense(units: try reader.positiveInt("units"), useBias: reader.bool("use_bias", default: true),
                          activation: try reader.activation())
        case "BatchNormalization":
            let axis = config["axis"]?.array.map { $0 } ?? [config["axis"] ?? .number(-1)]
            guard axis.count == 1, axis[0].int != nil else {
                throw reader.error("only a single normalisation axis is supported, got \(config["axis"] ?? .null)")
            }
            self = .batchNormalization(epsilon: Float(config["epsilon"]?.double ?? 1e-3),
                                       center: reader.bool("center", default: true), scale: reader.bool("scale", default: true))
        case "ReLU":
            var maxValue: Float?
            if let m = config["max_value"], !m.isNull {
                guard let v = m.double, v >= 0 else { throw reader.error("max_value must be a non-negative number") }
                maxValue = Float(v)
            }
            let slope = config["negative_slope"]?.double ?? 0
            guard slope >= 0 else { throw reader.error("negative_slope must be non-negative") }
            self = .relu(maxValue: maxValue, threshold: Float(config["threshold"]?.double ?? 0), negativeSlope: Float(slope))
        case "Activation":
            self = .activation(try reader.activation())
        case "Softmax":
            let axis = config["axis"]?.array?.first ?? config["axis"] ?? .number(-1)
            guard let a = axis.int, config["axis"]?.array.map({ $0.count == 1 }) ?? true else {
                throw reader.error("softmax over several axes is not supported")
            }
            self = .softmax(axis: a)
        case "MaxPooling2D", "AveragePooling2D":
            let pool = try reader.pair("pool_size", default: 2)
            let strides = (config["strides"]?.isNull ?? true) ? pool : try reader.pair("strides")
            self = .pool2D(cls == "MaxPooling2D" ? .max : .average, pool: pool, strides: strides, padding: try reader.padding())
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D":
            try reader.requireChannelsLast()
            self = .globalPool2D(cls == "GlobalMaxPooling2D" ? .max : .average, keepDims: reader.bool("keepdims", default: false))
        case "Flatten":
            try reader.requireChannelsLast()
            self = .flatten
        case "Reshape":
            guard let target = config["target_shape"]?.array?.map({ $0.int ?? 0 }),
                  target.allSatisfy({ ($0 > 0 && $0 <= LayerSpec.maxDimension) || $0 == -1 }),
                  target.filter({ $0 == -1 }).count <= 1 else {
                throw reader.error("target_shape must list positive sizes and at most one -1")
            }
            self = .reshape(target: target)
        case "Dropout":
            self = .identity
        case "Rescaling":
            self = .rescaling(scale: try reader.floats("scale", default: 1), offset: try reader.floats("offset", default: 0))
        case "ZeroPadding2D":
            try reader.requireChannelsLast()
            self = .zeroPadding2D(try reader.zeroPadding())
        case "Add":
            self = .add
        case "Concatenate":
            guard let axis = (config["axis"] ?? .number(-1)).int else { throw reader.error("axis must be an integer") }
            self = .concatenate(axis: axis)
        case "Lambda":
            throw GraphError.unsupported(layer: layer, className: displayClass ?? className,
                reason: "Lambda layers hold Python code, which SpikeForge never executes; rebuild the model with standard layers")
        default:
            throw GraphError.unsupported(layer: layer, className: displayClass ?? className,
                reason: "not supported by the float engine; supported layers: \(LayerSpec.supportedClasses.joined(separator: ", "))")
        }
    }

    /// Number of input tensors the layer takes (nil: two or more).
    var arity: Int? {
        switch self {
        case .input: return 0
        case .add, .concatenate: return nil
        default: return 1
        }
    }

    /// Largest size of one dimension, and of one sample of any tensor, the engine accepts:
    /// bounds that keep every shape computation far from integer overflow.
    public static let maxDimension = 1 << 24
    public static let maxSampleElements = 1 << 31

    /// The output shape for inputs of `inputs` shapes (batch axis excluded).
    public func outputShape(_ inputs: [[Int]], layer: String, className: String) throws -> [Int] {
        let fail = { (reason: String) in LayerError.invalidInput(layer: layer, className: className, reason: reason) }
        for shape in inputs where elementCount(shape) == nil {
            throw fail("input shape \(shapeText(shape)) is larger than \(LayerSpec.maxSampleElements) values per sample")
        }
        let shape = try rawOutputShape(inputs, fail: fail)
        guard elementCount(shape) != nil, shape.allSatisfy({ $0 > 0 }) else {
            throw fail("output shape \(shapeText(shape)) is empty or larger than \(LayerSpec.maxSampleElements) values per sample")
        }
        return shape
    }

    func rawOutputShape(_ inputs: [[Int]], fail: (String) -> LayerError) throws -> [Int] {
        if let arity, inputs.count != arity {
            throw fail("takes \(arity) input(s), got \(inputs.count)")
        }
        if arity == nil, inputs.count < 2 {
            throw fail("takes two or more inputs, got \(inputs.count)")
        }
        func image(_ what: String) throws -> (Int, Int, Int) {
            guard inputs[0].count == 3 else { throw fail("\(what) expects (height, width, channels) inputs, got \(shapeText(inputs[0]))") }
            return (inputs[0][0], inputs[0][1], inputs[0][2])
        }
        func window(_ kernel: [Int], _ strides: [Int], _ padding: PaddingMode) throws -> (Int, Int) {
            let (h, w, _) = try image("a 2-D window")
            let g = windowGeometry2D(height: h, width: w, kernel: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
                                     mode: padding)
            guard g.height > 0, g.width > 0 else {
                throw fail("a \(kernel[0])x\(kernel[1]) window with '\(padding.rawValue)' padding does not fit a \(h)x\(w) input")
            }
            return (g.height, g.width)
        }
        switch self {
        case .input(let shape, _):
            return shape
        case .conv2D(let filters, let kernel, let strides, let padding, _, _),
             .separableConv2D(let filters, _, let kernel, let strides, let padding, _, _):
            let (h, w) = try window(kernel, strides, padding)
            return [h, w, filters]
        case .paddedConv2D(let filters, let kernel, let strides, let values, _):
            let (h, w) = try window(kernel, strides, .same)
            guard values.count == 1 || values.count == inputs[0][2] else {
                throw fail("\(values.count) padding values for \(inputs[0][2]) input channels")
            }
            return [h, w, filters]
        case .depthwiseConv2D(let multiplier, let kernel, let strides, let padding, _, _):
            let (h, w) = try window(kernel, strides, padding)
            return [h, w, inputs[0][2] * multiplier]
        case .pool2D(_, let pool, let strides, let padding):
            let (h, w) = try window(pool, strides, padding)
            return [h, w, inputs[0][2]]
        case .dense(let units, _, _):
            guard !inputs[0].isEmpty else { throw fail("needs an input with a feature axis") }
            return inputs[0].dropLast() + [units]
        case .batchNormalization, .relu, .activation, .identity:
            return inputs[0]
        case .softmax(let axis):
            _ = try featureAxis(axis, rank: inputs[0].count, fail: fail)
            return inputs[0]
        case .rescaling(let scale, let offset):
            let channels = inputs[0].last ?? 1
            for (what, values) in [("scale", scale), ("offset", offset)] where values.count != 1 && values.count != channels {
                throw fail("\(values.count) \(what) values do not broadcast over \(channels) channels")
            }
            return inputs[0]
        case .globalPool2D(_, let keepDims):
            let (_, _, c) = try image("global pooling")
            return keepDims ? [1, 1, c] : [c]
        case .flatten:
            return [inputs[0].reduce(1, *)]
        case .reshape(let target):
            let total = inputs[0].reduce(1, *)
            guard let known = elementCount(target.filter { $0 > 0 }) else {
                throw fail("target_shape \(shapeText(target)) is too large")
            }
            if target.contains(-1) {
                guard known > 0, total % known == 0 else {
                    throw fail("cannot reshape \(shapeText(inputs[0])) to \(shapeText(target))")
                }
                return target.map { $0 == -1 ? total / known : $0 }
            }
            guard known == total else { throw fail("cannot reshape \(shapeText(inputs[0])) (\(total) values) to \(shapeText(target))") }
            return target
        case .zeroPadding2D(let p):
            let (h, w, c) = try image("ZeroPadding2D")
            return [h + p.top + p.bottom, w + p.left + p.right, c]
        case .add:
            guard inputs.allSatisfy({ $0 == inputs[0] }) else {
                throw fail("inputs of different shapes \(inputs.map(shapeText)) cannot be added")
            }
            return inputs[0]
        case .concatenate(let axis):
            let a = try featureAxis(axis, rank: inputs[0].count, fail: fail)
            for s in inputs where s.count != inputs[0].count
                || s.indices.contains(where: { $0 != a && s[$0] != inputs[0][$0] }) {
                throw fail("inputs \(inputs.map(shapeText)) differ on an axis other than the concatenation axis \(axis)")
            }
            var out = inputs[0]
            out[a] = inputs.reduce(0) { $0 + $1[a] }
            return out
        }
    }

    /// The variables Keras creates for this layer on inputs of `inputs` shapes, in save order.
    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        switch self {
        case .conv2D(let filters, let kernel, _, _, let useBias, _), .paddedConv2D(let filters, let kernel, _, _, let useBias):
            return [WeightSlot(name: "kernel", shape: [kernel[0], kernel[1], channels, filters], trainable: true)]
                + (useBias ? [WeightSlot(name: "bias", shape: [filters], trainable: true)] : [])
        case .depthwiseConv2D(let m, let kernel, _, _, let useBias, _):
            return [WeightSlot(name: "depthwise_kernel", shape: [kernel[0], kernel[1], channels, m], trainable: true)]
                + (useBias ? [WeightSlot(name: "bias", shape: [channels * m], trainable: true)] : [])
        case .separableConv2D(let filters, let m, let kernel, _, _, let useBias, _):
            return [WeightSlot(name: "depthwise_kernel", shape: [kernel[0], kernel[1], channels, m], trainable: true),
                    WeightSlot(name: "pointwise_kernel", shape: [1, 1, channels * m, filters], trainable: true)]
                + (useBias ? [WeightSlot(name: "bias", shape: [filters], trainable: true)] : [])
        case .dense(let units, let useBias, _):
            return [WeightSlot(name: "kernel", shape: [channels, units], trainable: true)]
                + (useBias ? [WeightSlot(name: "bias", shape: [units], trainable: true)] : [])
        case .batchNormalization(_, let center, let scale):
            return (scale ? [WeightSlot(name: "gamma", shape: [channels], trainable: true)] : [])
                + (center ? [WeightSlot(name: "beta", shape: [channels], trainable: true)] : [])
                + [WeightSlot(name: "moving_mean", shape: [channels], trainable: false),
                   WeightSlot(name: "moving_variance", shape: [channels], trainable: false)]
        default:
            return []
        }
    }
}

/// Number of values in a tensor of `shape`, or nil beyond `LayerSpec.maxSampleElements`.
public func elementCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow, product <= LayerSpec.maxSampleElements else { return nil }
        n = product
    }
    return n
}

/// Index of a Keras axis (counted with the batch axis; negative from the end) in a feature
/// shape of `rank` dimensions.
func featureAxis(_ axis: Int, rank: Int, fail: (String) -> LayerError) throws -> Int {
    let a = axis < 0 ? rank + 1 + axis : axis
    guard a >= 1, a <= rank else { throw fail("axis \(axis) is not a feature axis of a rank-\(rank + 1) tensor") }
    return a - 1
}

/// Keras-style shape text, e.g. `(None, 20, 20, 3)` for a feature shape `[20, 20, 3]`.
func shapeText(_ featureShape: [Int]) -> String {
    "(None, " + featureShape.map(String.init).joined(separator: ", ") + ")"
}

/// Typed reads of a layer config, with errors naming the layer.
struct ConfigReader {
    let config: JSONValue
    let layer: String
    let className: String

    func error(_ reason: String) -> LayerError {
        .invalidConfig(layer: layer, className: className, reason: reason)
    }

    func bool(_ key: String, default value: Bool) -> Bool { config[key]?.bool ?? value }

    func positiveInt(_ key: String, default value: Int? = nil) throws -> Int {
        guard let v = config[key]?.int ?? value, v > 0, v <= LayerSpec.maxDimension else {
            throw error("'\(key)' must be a positive integer up to \(LayerSpec.maxDimension)")
        }
        return v
    }

    /// An `(a, b)` pair given as a list or as one integer for both.
    func pair(_ key: String, default value: Int? = nil) throws -> [Int] {
        let raw = config[key]
        if let v = raw?.int ?? ((raw?.isNull ?? true) ? value : nil), v > 0, v <= LayerSpec.maxDimension { return [v, v] }
        guard let items = raw?.array, items.count == 2, let a = items[0].int, let b = items[1].int, a > 0, b > 0,
              max(a, b) <= LayerSpec.maxDimension else {
            throw error("'\(key)' must be a positive integer or a pair of them, got \(raw ?? .null)")
        }
        return [a, b]
    }

    func padding() throws -> PaddingMode {
        let raw = config["padding"]?.string ?? "valid"
        guard let mode = PaddingMode(rawValue: raw.lowercased()) else {
            throw error("padding '\(raw)' is not supported (use 'valid' or 'same')")
        }
        try requireChannelsLast()
        return mode
    }

    func requireChannelsLast() throws {
        if let format = config["data_format"]?.string, format != "channels_last" {
            throw error("data_format '\(format)' is not supported (tensors are NHWC: use channels_last)")
        }
    }

    func requireSimpleConvolution() throws {
        if let d = config["dilation_rate"], (try? pair("dilation_rate")) != [1, 1] {
            throw error("dilation_rate \(d) is not supported (only 1)")
        }
        if let g = config["groups"]?.int, g != 1 {
            throw error("groups = \(g) is not supported (only 1)")
        }
    }

    func activation() throws -> ActivationFunction {
        let raw = config["activation"] ?? .string("linear")
        guard let name = raw.string ?? (raw["class_name"]?.string == "function" ? raw["config"]?.string : nil) else {
            throw error("activation \(raw) is not a built-in Keras activation")
        }
        guard let f = ActivationFunction(kerasName: name) else {
            throw error("activation '\(name)' is not supported; supported: \(ActivationFunction.kerasNames.joined(separator: ", "))")
        }
        return f
    }

    /// A number or a list of numbers.
    func floats(_ key: String, default value: Float) throws -> [Float] {
        guard let raw = config[key], !raw.isNull else { return [value] }
        if let v = raw.double { return [Float(v)] }
        guard let items = raw.array, !items.isEmpty else { throw error("'\(key)' must be a number or a list of numbers") }
        return try items.map { item in
            guard let v = item.double else { throw error("'\(key)' must be a number or a list of numbers") }
            return Float(v)
        }
    }

    /// ZeroPadding2D's `padding`: n, (h, w) or ((top, bottom), (left, right)).
    func zeroPadding() throws -> Padding2D {
        let raw = config["padding"] ?? .number(1)
        let limit = LayerSpec.maxDimension
        if let v = raw.int, v >= 0, v <= limit { return Padding2D(top: v, bottom: v, left: v, right: v) }
        if let items = raw.array, items.count == 2 {
            if let h = items[0].int, let w = items[1].int, h >= 0, w >= 0, max(h, w) <= limit {
                return Padding2D(top: h, bottom: h, left: w, right: w)
            }
            if let hs = items[0].array, let ws = items[1].array, hs.count == 2, ws.count == 2,
               let t = hs[0].int, let b = hs[1].int, let l = ws[0].int, let r = ws[1].int, min(t, b, l, r) >= 0,
               max(t, b, l, r) <= limit {
                return Padding2D(top: t, bottom: b, left: l, right: r)
            }
        }
        throw error("padding \(raw) must be n, (h, w) or ((top, bottom), (left, right)) with non-negative integers")
    }
}
