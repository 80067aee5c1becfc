// QuantizedLayerRegistry: the one table of QuantizeML layer classes by name. Adding a class is
// one file in this folder and one entry here; the pipeline, the engine and calibration ask the
// table instead of switching on class names.
import KerasGraph

enum QuantizedLayerRegistry {
    static let types: [any QuantizedLayerType.Type] = [
        QuantizedConv2D.self, QuantizedDepthwiseConv2D.self, QuantizedSeparableConv2D.self, QuantizedDense.self,
        QuantizedReLU.self, QuantizedMaxPool2D.self, QuantizedGlobalAveragePooling2D.self, QuantizedRescaling.self,
        QuantizedAdd.self, QuantizedConcatenate.self, QuantizedFlatten.self, QuantizedReshape.self,
        QuantizedDropout.self, InputQuantizer.self, Dequantizer.self, QuantizedActivation.self,
        AveragePooling2D.self, QuantizedConv2DTranspose.self, QuantizedDepthwiseConv2DTranspose.self,
        QuantizedStatefulProjection.self, QuantizedStatefulRecurrent.self, QuantizedExtractToken.self,
        QuantizedBufferTempConv.self, QuantizedDepthwiseBufferTempConv.self,
    ]

    /// The legacy CNN2SNN families, which run on the float path.
    static let legacyTypes: [any LegacyLayerType.Type] = [LegacyWeightLayer.self, LegacyDiscreteReLU.self]

    static let legacyByClassName: [String: any LegacyLayerType.Type] = Dictionary(
        uniqueKeysWithValues: legacyTypes.flatMap { t in t.classNames.map { ($0, t) } })

    static let byClassName: [String: any QuantizedLayerType.Type] = Dictionary(
        uniqueKeysWithValues: types.map { ($0.className, $0) })

    static let byFloatClass: [String: any QuantizedLayerType.Type] = Dictionary(
        uniqueKeysWithValues: types.flatMap { t in t.floatClasses.map { ($0, t) } })

    /// The type a float node quantizes to (none for a layer inside a nested model, or of a class
    /// the reference never quantizes).
    static func type(quantizing node: GraphNode) -> (any QuantizedLayerType.Type)? {
        byFloatClass[layerClass(node)].flatMap { $0.notQuantizable == nil && $0.quantizes(node) ? $0 : nil }
    }

    /// The type of a class name in either form (`QuantizedConv2D` or `Conv2D`).
    static func type(ofAnyClass name: String) -> (any QuantizedLayerType.Type)? {
        byClassName[name] ?? byFloatClass[name]
    }

    /// The relative name of OutputQuantizer variable `name` (`range_max`, `rescaling_rate`) of `node`.
    static func outputVariable(_ name: String, of node: GraphNode) -> String {
        (type(ofAnyClass: node.baseClassName)?.outputVariablePrefix ?? "output_quantizer/") + name
    }

    static func canHoldOutputQuantizer(_ node: GraphNode) -> Bool {
        type(quantizing: node)?.holdsOutputQuantizer ?? false
    }

    /// The quantized config of a float node (§5.4, §8.2), or nil when the reference would leave
    /// it float. `quantConfig` is the q_config entry or the planned OutputQuantizer (may be empty).
    static func quantizedConfig(
        of node: GraphNode, as type: any QuantizedLayerType.Type, quantConfig: JSONValue,
        params: QuantizationParams
    ) -> JSONValue? {
        let qc = QuantConfig(quantConfig)
        guard acceptsBitwidth(qc["output_quantizer"]) else { return nil }
        let outputKeys = ["bitwidth", "signed", "axis", "scale_bits", "buffer_bitwidth"]
        if let oq = qc["output_quantizer"]?.objectPairs, oq.contains(where: { !outputKeys.contains($0.0) }) {
            return nil
        }
        return type.quantizedConfig(of: node, quantConfig: qc, params: params)
    }

    /// The legacy family of a saved layer: no `Custom>` prefix, no `quant_config`, and the
    /// family's own config keys (a legacy class may share its name with a QuantizeML class).
    static func legacyType(of layer: QuantizedLayer) -> (any LegacyLayerType.Type)? {
        guard !layer.className.hasPrefix("Custom>"), layer.quantConfig == nil,
            let type = legacyByClassName[layer.baseClassName], type.recognizes(layer)
        else { return nil }
        return type
    }

    /// The op running a saved layer: a legacy CNN2SNN layer on the float path, a QuantizeML
    /// class from the table, or a float layer of the tail after a Dequantizer.
    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        if let legacy = legacyType(of: layer) { return try legacy.makeOp(layer) }
        // The model input's value is given, never computed.
        if layer.baseClassName == "InputLayer" { return IdentityOp() }
        if let type = byClassName[layer.baseClassName] { return try type.makeOp(layer, mode: mode) }
        if layer.className.hasPrefix("Custom>") || layer.baseClassName.hasPrefix("Quantized") {
            let base = layer.baseClassName
            let floatClass = base.hasPrefix("Quantized") ? String(base.dropFirst("Quantized".count)) : base
            if let reason = byFloatClass[floatClass]?.notQuantizable {
                throw QuantizedModelError.notQuantizable(layer: layer.name, className: layer.className, reason: reason)
            }
            // QuantizeML's own float layers (its Activation with hard_silu, ...) run in the float
            // tail when the float engine knows them.
            guard base.hasPrefix("Quantized") else { return try FloatLayerOp(layer) }
            throw QuantizedModelError.unsupportedLayer(layer: layer.name, className: layer.className)
        }
        return try FloatLayerOp(layer)
    }
}
