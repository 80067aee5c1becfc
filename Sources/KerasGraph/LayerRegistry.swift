// LayerRegistry: the one table from Keras class name (aliases and QuantizeML/CNN2SNN variants
// included) to the layer type that owns it. It answers, for the whole engine, which float
// layers run, what shape any known layer outputs and whether a class is a quantized one.

public enum LayerRegistry {
    /// Every layer family, in the order the supported-class list names them.
    static let types: [any KerasLayerType.Type] = [
        InputLayer.self, Conv2DLayer.self, DepthwiseConv2DLayer.self, SeparableConv2DLayer.self, DenseLayer.self,
        BatchNormalizationLayer.self, ReLULayer.self, ActivationLayer.self, SoftmaxLayer.self, Pooling2DLayer.self,
        GlobalPooling2DLayer.self, FlattenLayer.self, ReshapeLayer.self, DropoutLayer.self, RescalingLayer.self,
        ZeroPadding2DLayer.self, AddLayer.self, ConcatenateLayer.self, QuantizerLayer.self, MultiplyLayer.self,
        NormalizationLayer.self, TFOpLambdaLayer.self, Conv2DTransposeLayer.self, DepthwiseConv2DTransposeLayer.self,
        KernelizedLayer.self, StrideLayer.self, GlobalPooling1DLayer.self, StatefulProjectionLayer.self,
        StatefulRecurrentLayer.self, ExtractTokenLayer.self,
        Conv3DLayer.self, ZeroPadding3DLayer.self, AveragePooling3DLayer.self, ActivityRegularizationLayer.self,
        BufferTempConvLayer.self,
    ]

    enum Entry {
        /// A float layer the float engine runs.
        case float(any KerasLayerType.Type)
        /// A quantized layer that shares the config and shape of a float type.
        case quantized(any KerasLayerType.Type)
        /// A class refused at every stage, with the reason.
        case refused(String)
    }

    /// The table, by class name without registration prefix.
    static let table: [String: Entry] = {
        var entries: [(String, Entry)] = [(LambdaLayer.className, .refused(LambdaLayer.refusal))]
        for type in types {
            entries += (type.kerasClassNames + type.aliasClassNames).map { ($0, .float(type)) }
            entries += type.quantizedClassNames.map { ($0, .quantized(type)) }
        }
        return Dictionary(uniqueKeysWithValues: entries)
    }()

    /// Class names the float engine runs (Keras aliases are accepted too).
    public static let supportedClasses: [String] = types.flatMap { $0.kerasClassNames }

    /// `Custom>QuantizedConv2D` → `QuantizedConv2D`.
    static func baseName(_ className: String) -> String {
        className.split(separator: ">").last.map(String.init) ?? className
    }

    /// The float layer type of `className` (without registration prefix), or the error refusing it.
    static func floatType(_ className: String, reader: ConfigReader) throws -> any KerasLayerType.Type {
        switch table[className] {
        case .float(let type):
            return type
        case .refused(let reason):
            throw GraphError.unsupported(layer: reader.layer, className: reader.className, reason: reason)
        case .quantized, nil:
            throw GraphError.unsupported(
                layer: reader.layer, className: reader.className,
                reason:
                    "not supported by the float engine; supported layers: \(supportedClasses.joined(separator: ", "))")
        }
    }

    /// The output shape (batch axis excluded) of a layer of any class the engine knows: float
    /// layers, their QuantizeML/CNN2SNN variants and the value-preserving quantization layers.
    /// `className` may carry a registration prefix (`Custom>`); an `InputLayer` reads
    /// `batch_input_shape` or `batch_shape`. Throws for an unknown class (`GraphError.unsupported`)
    /// and for configs or inputs the class cannot take (`LayerError`); callers that tolerate
    /// unknown layers use `try?`.
    public static func outputShape(
        className: String, config: JSONValue, inputs: [[Int]], layer: String
    ) throws
        -> [Int]
    {
        let base = baseName(className)
        let type: any KerasLayerType.Type
        var config = config
        switch table[base] {
        case .float(let float):
            type = float
        case .quantized(let float):
            type = float
            // QuantizeML saves a 'same' convolution as 'valid' plus the `padding_value` it pads with.
            if let value = config["padding_value"], !value.isNull {
                config = config.setting("padding", to: .string("same"))
            }
        case .refused(let reason):
            throw GraphError.unsupported(layer: layer, className: className, reason: reason)
        case nil:
            throw GraphError.unsupported(
                layer: layer, className: className, reason: "no output shape rule for this class")
        }
        let reader = ConfigReader(config: config, layer: layer, className: className)
        return try LayerSpec(type.init(className: base, config: reader))
            .outputShape(inputs, layer: layer, className: className)
    }

    /// The output shape (batch axis excluded) of every node of `graph` whose shape can be told:
    /// a node of an unknown class, with a config or inputs its class cannot take, or reading a
    /// node without a shape is absent from the result.
    public static func outputShapes(of graph: LayerGraph) -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for node in graph.nodes {
            let inputs = node.inputs.compactMap { shapes[$0.layer] }
            guard inputs.count == node.inputs.count else { continue }
            shapes[node.name] = try? outputShape(
                className: node.className, config: node.config, inputs: inputs, layer: node.name)
        }
        return shapes
    }

    /// Whether `className` (with or without registration prefix) is a quantized layer, i.e. one
    /// the quantized engine runs and the float engine does not: every QuantizeML `Quantized…`
    /// layer and its quantizer layers `InputQuantizer` and `Dequantizer` (saved as `Custom>…`),
    /// and the legacy CNN2SNN layers (`QuantizedConv2D`, `QuantizedReLU`, `ActivationDiscreteRelu`,
    /// … saved without prefix). A `Dequantizer` or a discrete activation only ever follows
    /// quantized layers, so a model holding one is a quantized model.
    public static func isQuantizedClass(_ className: String) -> Bool {
        let base = baseName(className)
        return base.hasPrefix("Quantized") || base == "InputQuantizer" || base == "Dequantizer"
            || base.hasPrefix("ActivationDiscrete")
    }
}

extension LayerGraph {
    /// Whether the model is a quantized one (it holds a layer `LayerRegistry.isQuantizedClass` names).
    public var isQuantized: Bool { nodes.contains { LayerRegistry.isQuantizedClass($0.className) } }
}

extension LayerGraph {
    /// The batch size the model input fixes (a stateful model's `batch_input_shape`), nil when free:
    /// Keras then shows it in every shape instead of None.
    public var fixedBatchSize: Int? {
        inputs.first.flatMap { node(named: $0) }.flatMap { $0.config["batch_input_shape"]?.array?.first?.int }
    }
}
