// QuantConfig: the one reader (and editor) of a QuantizeML layer's `quant_config`, with the
// quantizer class defaults the reference applies when a key is absent. Every stage that reads a
// bit width, a buffer width or the OutputQuantizer settings goes through it.
import KerasGraph

public struct QuantConfig {
    /// Bit width of a quantizer whose config has none (QuantizeML quantizer default).
    public static let defaultBitwidth = 8
    /// `buffer_bitwidth` of a layer or OutputQuantizer without one.
    public static let defaultBufferBitwidth = 32
    /// `scale_bits` of an OutputQuantizer without one.
    public static let defaultScaleBits = 8

    /// The entries in saved order (empty when the layer has no quant_config object).
    public private(set) var pairs: [(String, JSONValue)]

    public init(_ json: JSONValue?) { pairs = json?.objectPairs ?? [] }

    /// The `quant_config` of a Keras layer config.
    public init(layerConfig: JSONValue) { self.init(layerConfig["quant_config"]) }

    public var json: JSONValue { .object(pairs) }
    public var isEmpty: Bool { pairs.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { pairs.first(where: { $0.0 == key })?.1 }
        set {
            let i = pairs.firstIndex(where: { $0.0 == key })
            switch (i, newValue) {
            case (let i?, let v?): pairs[i].1 = v
            case (nil, let v?): pairs.append((key, v))
            case (let i?, nil): pairs.remove(at: i)
            case (nil, nil): break
            }
        }
    }

    /// `bitwidth` of the quantizer `key` (`weight_quantizer`, `bias_quantizer`, ...).
    public func bitwidth(_ key: String) -> Int { self[key]?["bitwidth"]?.int ?? Self.defaultBitwidth }

    public func signed(_ key: String, default value: Bool) -> Bool { self[key]?["signed"]?.bool ?? value }

    /// The layer's `buffer_bitwidth`.
    public var bufferBitwidth: Int { self["buffer_bitwidth"]?.int ?? Self.defaultBufferBitwidth }

    /// The OutputQuantizer settings, when the layer has an `output_quantizer` object.
    public var outputQuantizer: OutputQuantizerSettings? {
        guard let oq = self["output_quantizer"], oq.objectPairs != nil else { return nil }
        return OutputQuantizerSettings(oq)
    }

    /// Sets `key` unless present.
    mutating func setDefault(_ key: String, _ value: JSONValue) {
        if self[key] == nil { self[key] = value }
    }
}

/// An `output_quantizer` entry with the reference's defaults. `bitwidth` is nil when absent
/// (the OutputQuantizer constructor requires it).
public struct OutputQuantizerSettings: Equatable, Sendable {
    public var bitwidth: Int?
    public var signed: Bool
    /// `per-tensor` or `per-axis` as saved (nil when absent).
    public var axis: String?
    public var scaleBits: Int
    public var bufferBitwidth: Int

    public init(_ json: JSONValue) {
        bitwidth = json["bitwidth"]?.int
        signed = json["signed"]?.bool ?? true
        axis = json["axis"]?.string
        scaleBits = json["scale_bits"]?.int ?? QuantConfig.defaultScaleBits
        bufferBitwidth = json["buffer_bitwidth"]?.int ?? QuantConfig.defaultBufferBitwidth
    }

    public var isPerAxis: Bool { axis == "per-axis" }
}
