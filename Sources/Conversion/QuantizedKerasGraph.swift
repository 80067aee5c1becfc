// QuantizedKerasGraph: the converter's view of the quantized Keras graph — layers in model order with
// their QuantizeML class, config, quant_config, inbound and outbound layers, and the Keras output
// shape of every layer (inferred from the configs, batch dimension excluded).
import KerasGraph
import Quantization

/// One layer of the quantized Keras model.
public struct QuantizedKerasLayer: Sendable {
    public var name: String
    /// Class name without registration prefix (`QuantizedConv2D`, `InputQuantizer`, `InputLayer`).
    public var className: String
    public var config: JSONValue
    /// Names of the inbound layers, in call order.
    public var inbounds: [String]

    public init(name: String, className: String, config: JSONValue, inbounds: [String]) {
        self.name = name
        self.className = className.split(separator: ">").last.map(String.init) ?? className
        self.config = config
        self.inbounds = inbounds
    }

    /// The layer's quant_config, read through Quantization's one reader (and its defaults).
    var quantConfig: QuantConfig { QuantConfig(layerConfig: config) }

    /// The output quantizer attached to the layer (`out_quantizer`), if its quant_config has one.
    var outputQuantizer: OutputQuantizerSettings? { quantConfig.outputQuantizer }

    /// Bitwidth of a weight quantizer (`weight_quantizer`, `dw_weight_quantizer`, `pw_weight_quantizer`).
    func weightBits(_ key: String = "weight_quantizer") -> Int { quantConfig.bitwidth(key) }

    /// The quant_config `buffer_bitwidth` as saved (the QuantizeML default when absent).
    var configuredBufferBitwidth: Int { quantConfig.bufferBitwidth }

    /// An InputQuantizer's bitwidth and signedness: it keeps them in its layer config, not in a
    /// quant_config.
    var inputQuantizerBits: Int { config["bitwidth"]?.int ?? QuantConfig.defaultBitwidth }
    var inputQuantizerSigned: Bool { config["signed"]?.bool ?? true }

    /// Akida `buffer_bits` of a neural layer: QuantizeML caps its accumulator at 28 bits.
    var neuralBufferBits: Int { min(28, configuredBufferBitwidth) }

    func ints(_ key: String) -> [Int]? {
        if let a = config[key]?.array { return a.compactMap { $0.int } }
        if let i = config[key]?.int { return [i, i] }
        return nil
    }

    /// A 2-D parameter (kernel, strides, pool): a single value stands for both axes.
    func pair(_ key: String) -> [Int]? {
        guard let v = ints(key), let first = v.first else { return nil }
        return v.count >= 2 ? [first, v[1]] : [first, first]
    }

    public var kernelSize: [Int] { pair("kernel_size") ?? [1, 1] }
    public var strides: [Int] { pair("strides") ?? [1, 1] }
    var padding: String { config["padding"]?.string ?? "valid" }
    var hasPaddingValue: Bool { config["padding_value"].map { !$0.isNull } ?? false }
    var useBias: Bool { config["use_bias"]?.bool ?? true }
    var hasMaxValue: Bool { config["max_value"].map { !$0.isNull } ?? false }

    /// Padding a convolution really applies: QuantizeML stores "valid" plus a padding value for
    /// convolutions it pads itself, and a 1×1 kernel pads nothing either way.
    var effectiveConvPadding: String {
        hasPaddingValue || kernelSize == [1, 1] ? "same" : padding
    }
}

extension OutputQuantizerSettings {
    /// The output bitwidth, with the quantizer default where the entry has none.
    var bits: Int { bitwidth ?? QuantConfig.defaultBitwidth }
}

/// The quantized model as an ordered, navigable graph with shapes.
public struct QuantizedKerasGraph: Sendable {
    public var name: String
    /// "Sequential" or "Functional".
    public var modelClass: String
    public var layers: [QuantizedKerasLayer]
    public var inputNames: [String]
    public var outputNames: [String]
    /// Keras output shape of every layer, batch excluded (nil when it cannot be inferred).
    var shapes: [String: [Int]] = [:]
    var outbound: [String: [String]] = [:]
    private var index: [String: Int] = [:]

    public init(
        name: String, modelClass: String = "Functional", layers: [QuantizedKerasLayer], inputNames: [String],
        outputNames: [String]
    ) {
        self.name = name
        self.modelClass = modelClass
        self.layers = layers
        self.inputNames = inputNames
        self.outputNames = outputNames
        for (i, l) in layers.enumerated() { index[l.name] = i }
        for l in layers { for inbound in l.inbounds { outbound[inbound, default: []].append(l.name) } }
        for l in layers { shapes[l.name] = inferShape(l) }
    }

    /// A graph over the flattened layer graph of a saved model.
    public init(graph: LayerGraph) {
        self.init(
            name: graph.name, modelClass: graph.modelClass,
            layers: graph.nodes.map {
                QuantizedKerasLayer(
                    name: $0.name, className: $0.className, config: $0.config,
                    inbounds: $0.inputs.map(\.layer))
            },
            inputNames: graph.inputs, outputNames: graph.outputs.map(\.layer))
    }

    func layer(_ name: String) -> QuantizedKerasLayer? { index[name].map { layers[$0] } }
    func position(_ name: String) -> Int? { index[name] }
    func shape(_ name: String) -> [Int]? { shapes[name] }
    func outbounds(_ name: String) -> [String] { outbound[name] ?? [] }

    /// Keras input shape of a layer (output shape of its first inbound).
    func inputShape(_ layer: QuantizedKerasLayer) -> [Int]? {
        if layer.className == "InputLayer" { return shapes[layer.name] }
        return layer.inbounds.first.flatMap { shapes[$0] }
    }

    /// The Keras model input shape without the batch dimension.
    var modelInputShape: [Int]? { inputNames.first.flatMap { shapes[$0] } }

    /// The model input dtype as declared on its InputLayer.
    var modelInputDType: String {
        inputNames.first.flatMap { layer($0)?.config["dtype"]?.string } ?? "float32"
    }

    /// The engine's one shape inference (KerasGraph's registry); nil where it cannot say.
    private func inferShape(_ l: QuantizedKerasLayer) -> [Int]? {
        let inputs = l.inbounds.compactMap { shapes[$0] }
        guard inputs.count == l.inbounds.count else { return nil }
        return try? LayerRegistry.outputShape(className: l.className, config: l.config, inputs: inputs, layer: l.name)
    }
}
