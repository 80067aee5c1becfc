// ConfigReader: typed reads of a Keras layer config (integers, pairs, padding, activations,
// number lists) with the error texts users see, each naming the layer. Layer types decode
// their configs through it so that equal keys are read and refused the same way everywhere.
import Tensors

/// Typed reads of a layer config, with errors naming the layer.
public struct ConfigReader {
    public let config: JSONValue
    public let layer: String
    /// The class as saved (with registration prefix), for messages.
    public let className: String

    public init(config: JSONValue, layer: String, className: String) {
        self.config = config
        self.layer = layer
        self.className = className
    }

    public func error(_ reason: String) -> LayerError {
        .invalidConfig(layer: layer, className: className, reason: reason)
    }

    public func bool(_ key: String, default value: Bool) -> Bool { config[key]?.bool ?? value }

    public func positiveInt(_ key: String, default value: Int? = nil) throws -> Int {
        guard let v = config[key]?.int ?? value, v > 0, v <= LayerSpec.maxDimension else {
            throw error("'\(key)' must be a positive integer up to \(LayerSpec.maxDimension)")
        }
        return v
    }

    /// An `(a, b)` pair given as a list or as one integer for both.
    public func pair(_ key: String, default value: Int? = nil) throws -> [Int] {
        let raw = config[key]
        if let v = raw?.int ?? ((raw?.isNull ?? true) ? value : nil), v > 0, v <= LayerSpec.maxDimension {
            return [v, v]
        }
        guard let items = raw?.array, items.count == 2, let a = items[0].int, let b = items[1].int, a > 0, b > 0,
            max(a, b) <= LayerSpec.maxDimension
        else {
            throw error("'\(key)' must be a positive integer or a pair of them, got \(raw ?? .null)")
        }
        return [a, b]
    }

    public func padding() throws -> PaddingMode {
        let raw = config["padding"]?.string ?? "valid"
        guard let mode = PaddingMode(rawValue: raw.lowercased()) else {
            throw error("padding '\(raw)' is not supported (use 'valid' or 'same')")
        }
        try requireChannelsLast()
        return mode
    }

    public func requireChannelsLast() throws {
        if let format = config["data_format"]?.string, format != "channels_last" {
            throw error("data_format '\(format)' is not supported (tensors are NHWC: use channels_last)")
        }
    }

    /// What every convolution-family layer reads, in this order: `kernel_size`, `strides`
    /// (default 1), `padding`, `use_bias` (default true) and the fused `activation`.
    public func convolutionWindow() throws -> (
        kernel: [Int], strides: [Int], padding: PaddingMode, useBias: Bool, activation: ActivationFunction
    ) {
        (
            try pair("kernel_size"), try pair("strides", default: 1), try padding(), bool("use_bias", default: true),
            try activation()
        )
    }

    public func requireSimpleConvolution() throws {
        if let d = config["dilation_rate"], (try? pair("dilation_rate")) != [1, 1] {
            throw error("dilation_rate \(d) is not supported (only 1)")
        }
        if let g = config["groups"]?.int, g != 1 {
            throw error("groups = \(g) is not supported (only 1)")
        }
    }

    public func activation() throws -> ActivationFunction {
        let raw = config["activation"] ?? .string("linear")
        guard let name = raw.string ?? (raw["class_name"]?.string == "function" ? raw["config"]?.string : nil) else {
            throw error("activation \(raw) is not a built-in Keras activation")
        }
        let quantizeML = className.hasPrefix("Custom>")
        guard let f = quantizeML ? ActivationFunction(quantizeMLName: name) : ActivationFunction(kerasName: name) else {
            throw error(
                "activation '\(name)' is not supported; supported: "
                    + ActivationFunction.kerasNames.joined(separator: ", ")
            )
        }
        return f
    }

    /// A number or a list of numbers.
    public func floats(_ key: String, default value: Float) throws -> [Float] {
        guard let raw = config[key], !raw.isNull else { return [value] }
        if let v = raw.double { return [Float(v)] }
        guard let items = raw.array, !items.isEmpty else {
            throw error("'\(key)' must be a number or a list of numbers")
        }
        return try items.map { item in
            guard let v = item.double else { throw error("'\(key)' must be a number or a list of numbers") }
            return Float(v)
        }
    }

    /// ZeroPadding2D's `padding`: n, (h, w) or ((top, bottom), (left, right)).
    public func zeroPadding() throws -> Padding2D {
        let raw = config["padding"] ?? .number(1)
        let limit = LayerSpec.maxDimension
        if let v = raw.int, v >= 0, v <= limit { return Padding2D(top: v, bottom: v, left: v, right: v) }
        if let items = raw.array, items.count == 2 {
            if let h = items[0].int, let w = items[1].int, h >= 0, w >= 0, max(h, w) <= limit {
                return Padding2D(top: h, bottom: h, left: w, right: w)
            }
            if let hs = items[0].array, let ws = items[1].array, hs.count == 2, ws.count == 2,
                let t = hs[0].int, let b = hs[1].int, let l = ws[0].int, let r = ws[1].int, min(t, b, l, r) >= 0,
                max(t, b, l, r) <= limit
            {
                return Padding2D(top: t, bottom: b, left: l, right: r)
            }
        }
        throw error("padding \(raw) must be n, (h, w) or ((top, bottom), (left, right)) with non-negative integers")
    }
}
