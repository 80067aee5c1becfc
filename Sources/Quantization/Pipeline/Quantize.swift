// quantize(): QuantizeML 1.2.5's Keras quantization pipeline (reference §5) over a LayerGraph —
// checks, sanitizing, OutputQuantizer planning, per-layer conversion with q_config precedence
// and input_weight_bits scope, InputQuantizer, Dequantizers for partial quantization,
// last_output_bits, then calibration (Calibrate.swift) — producing a QuantizedModel.
import KerasGraph
import Tensors

public struct QuantizeOptions {
    public var params: QuantizationParams
    /// Per-layer quant_config entries that replace the plan for the layers they name.
    public var qConfig: JSONValue?
    public var calibration: CalibrationOptions
    /// Stop quantizing after this layer (its successors stay float).
    public var quantizeUntil: String?

    public init(
        params: QuantizationParams = .default, qConfig: JSONValue? = nil,
        calibration: CalibrationOptions = CalibrationOptions(), quantizeUntil: String? = nil
    ) {
        self.params = params
        self.qConfig = qConfig
        self.calibration = calibration
        self.quantizeUntil = quantizeUntil
    }
}

public struct QuantizationResult {
    public var model: QuantizedModel
    /// dump_config of the result: every quantized layer with a non-empty quant_config.
    public var qConfig: JSONValue
    /// The sanitized float graph calibration ran on.
    public var sanitized: LayerGraph
    public var warnings: [QuantizationWarning]
    /// Sanitizing passes that could not apply and were skipped (the reference skips them
    /// silently, so these are not among `warnings`).
    public var sanitizeNotes: [SanitizeNote]
    /// Whether no Dequantizer had to be inserted before a float layer.
    public var fullyQuantized: Bool
}

/// The quantized model before calibration, with what calibration needs to know.
public struct QuantizationPlan {
    public var graph: LayerGraph
    public var sanitized: LayerGraph
    public var warnings: [QuantizationWarning]
    public var sanitizeNotes: [SanitizeNote]
    public var fullyQuantized: Bool
}

public enum Quantizer {
    /// Quantizes and calibrates a float model read from a file.
    public static func quantize(
        _ file: KerasModelFile, options: QuantizeOptions = QuantizeOptions()
    ) throws -> QuantizationResult {
        var (graph, nested) = try importGraph(file)
        graph = try SpatioTemporal.streamingForm(graph, samples: options.calibration.samples)
        try fixInputShape(&graph, samples: options.calibration.samples)
        var plan = try prepare(graph, nested: nested, options: options)
        let calibrationWarnings = try Calibrator.calibrate(&plan, options: options.calibration, params: options.params)
        plan.warnings.insert(contentsOf: calibrationWarnings, at: 0)
        let model = try QuantizedModel(graph: plan.graph)
        return QuantizationResult(
            model: model, qConfig: model.dumpConfig(), sanitized: plan.sanitized,
            warnings: plan.warnings, sanitizeNotes: plan.sanitizeNotes,
            fullyQuantized: plan.fullyQuantized)
    }

    /// Calibrates (again) a quantized model against its float model: the reference's
    /// `calibrate(model, qmodel, ...)`. Ranges are replaced; as in the reference, equalization
    /// divides the current kernels by the new rates.
    public static func calibrate(
        _ quantized: QuantizedModel, float file: KerasModelFile,
        params: QuantizationParams = .default,
        options: CalibrationOptions
    ) throws -> QuantizationResult {
        let (graph, _) = try importGraph(file)
        let sanitizing = Sanitizer.sanitize(graph)
        var sanitized = sanitizing.graph
        for i in sanitized.nodes.indices { sanitized.nodes[i].className = originalClass(sanitized.nodes[i].className) }
        let fully = !quantized.layers.contains { $0.name.hasSuffix("/dequantizer") }
        var plan = QuantizationPlan(
            graph: try LayerGraph(file: quantized.kerasModelFile()), sanitized: sanitized,
            warnings: [], sanitizeNotes: sanitizing.notes, fullyQuantized: fully)
        plan.warnings = try Calibrator.calibrate(&plan, options: options, params: params)
        let model = try QuantizedModel(graph: plan.graph)
        return QuantizationResult(
            model: model, qConfig: model.dumpConfig(), sanitized: plan.sanitized,
            warnings: plan.warnings, sanitizeNotes: plan.sanitizeNotes, fullyQuantized: fully)
    }

    /// §5.2: the model input takes the shape of the calibration samples; a dynamic input shape
    /// without samples cannot be quantized.
    static func fixInputShape(_ g: inout LayerGraph, samples: NDArray?) throws {
        guard g.inputs.count == 1, let name = g.inputs.first, var input = g.node(named: name) else {
            throw QuantizationError.multipleInputs(count: g.inputs.count)
        }
        let declared = input.config["batch_input_shape"]?.array?.dropFirst().map { $0.int } ?? []
        // A stateful model keeps its input shape, batch included: calibration cuts the samples
        // into segments of its timesteps (reference `set_model_shape`).
        if Calibrator.isStateful(g) { return }
        guard let samples else {
            if declared.contains(where: { $0 == nil }) {
                throw QuantizationError.calibration(
                    "The model has a dynamic input shape, expecting 'samples' or a fully "
                        + "defined 'input_shape' to be provided (input '\(name)').")
            }
            return
        }
        let shape = Array(samples.shape.dropFirst())
        guard shape.count == declared.count else {
            throw QuantizationError.calibration(
                "calibration samples of shape \(samples.shape) do not match the input "
                    + "'\(name)' of shape \(declared.map { $0.map(String.init) ?? "None" }) "
                    + "(expected (N, ...) with the same rank)"
            )
        }
        if zip(shape, declared).contains(where: { $1 != nil && $0 != $1 }) {
            throw QuantizationError.calibration(
                "calibration samples of shape \(samples.shape) do not fit the input '\(name)' "
                    + "of shape \(declared.map { $0.map(String.init) ?? "None" })")
        }
        input.setConfig("batch_input_shape", .array([.null] + shape.map { .number(Double($0)) }))
        g[name] = input
    }

    /// The flattened graph, with every layer of a nested model renamed to class
    /// `Nested:<owner>:<class>:<original class>` so the pipeline treats it as opaque float.
    static func importGraph(
        _ file: KerasModelFile
    ) throws -> (LayerGraph, [String: (owner: String, ownerClass: String)]) {
        var graph = try LayerGraph(file: file)
        var nested: [String: (owner: String, ownerClass: String)] = [:]
        for layer in file.modelConfig["config"]?["layers"]?.array ?? [] {
            guard let cls = layer["class_name"]?.string, ["Sequential", "Functional", "Model"].contains(cls),
                let owner = layer["config"]?["name"]?.string ?? layer["name"]?.string
            else { continue }
            for name in nestedLayerNames(layer) { nested[name] = (owner, cls) }
        }
        for i in graph.nodes.indices {
            if let n = nested[graph.nodes[i].name], graph.nodes[i].className != "InputLayer" {
                graph.nodes[i].className = "Nested:\(n.owner):\(n.ownerClass):\(graph.nodes[i].className)"
            }
        }
        return (graph, nested)
    }

    static func nestedLayerNames(_ model: JSONValue) -> [String] {
        (model["config"]?["layers"]?.array ?? []).flatMap { l -> [String] in
            let cls = l["class_name"]?.string ?? ""
            if ["Sequential", "Functional", "Model"].contains(cls) { return nestedLayerNames(l) }
            return [l["config"]?["name"]?.string ?? l["name"]?.string].compactMap { $0 }
        }
    }

    static func originalClass(_ className: String) -> String {
        className.hasPrefix("Nested:") ? String(className.split(separator: ":", maxSplits: 3).last ?? "") : className
    }

    /// Everything before calibration: the quantized graph with initial calibration variables.
    public static func prepare(
        _ input: LayerGraph, nested: [String: (owner: String, ownerClass: String)] = [:],
        options: QuantizeOptions
    ) throws -> QuantizationPlan {
        let params = options.params
        for node in input.nodes {
            let cls = node.baseClassName
            if node.className.hasPrefix("Custom>Quantized") || ["InputQuantizer", "Dequantizer"].contains(cls) {
                throw QuantizationError.requantize(layer: node.name, className: cls)
            }
            if originalClass(node.className) == "Lambda" {
                throw QuantizationError.unserializable(layer: node.name, className: originalClass(node.className))
            }
        }
        guard input.inputs.count == 1 else { throw QuantizationError.multipleInputs(count: input.inputs.count) }
        if let until = options.quantizeUntil, input.node(named: until) == nil {
            throw QuantizationError.unknownLayer(until, model: input.name)
        }
        guard options.qConfig == nil || options.qConfig?.objectPairs != nil else {
            throw QuantizationError.invalidQConfig(
                "q_config must be a JSON object mapping layer names to quant_config objects")
        }

        let sanitizing = Sanitizer.sanitize(input)
        let sanitized = sanitizing.graph
        let planned = OutputQuantizerPlan.plan(sanitized, params: params)
        var inputParams: QuantizationParams? = params
        inputParams?.weightBits = params.inputWeightBits

        var graph = sanitized
        var converted = Set(sanitized.nodes.filter { layerClass($0) == "InputLayer" }.map(\.name))
        var quantizedNames = Set<String>()
        let shapes = LayerRegistry.outputShapes(of: sanitized)
        for (i, node) in sanitized.nodes.enumerated() where layerClass(node) != "InputLayer" {
            guard node.inputs.allSatisfy({ converted.contains($0.layer) }),
                let type = QuantizedLayerRegistry.type(quantizing: node)
            else { continue }
            let match = options.qConfig?[node.name].flatMap { ($0.objectPairs?.isEmpty ?? true) ? nil : $0 }
            try type.checkQuantizable(node, inputShapes: node.inputs.compactMap { shapes[$0.layer] })
            let quantConfig = match ?? planned.first(where: { $0.0 == node.name })?.1 ?? .object([])
            guard
                let config = QuantizedLayerRegistry.quantizedConfig(
                    of: node, as: type, quantConfig: quantConfig,
                    params: inputParams ?? params)
            else { continue }
            if type.hasWeights { inputParams = nil }
            graph.nodes[i].className = "Custom>\(type.className)"
            graph.nodes[i].config = config
            quantizedNames.insert(node.name)
            if options.quantizeUntil != node.name { converted.insert(node.name) }
        }

        var warnings: [QuantizationWarning] = []
        if !quantizedNames.isEmpty {
            try insertInputQuantizer(&graph, params: params, warnings: &warnings)
        }
        let fully = try insertDequantizers(
            &graph, quantized: quantizedNames, nested: nested, modelName: input.name,
            warn: options.quantizeUntil == nil, warnings: &warnings)
        if fully, let bits = params.lastOutputBits {
            try applyLastOutputBits(&graph, bits: bits, params: params)
        }
        addCalibrationVariables(&graph)
        if fully {
            let outputs = graph.outputs
            let name = graph.uniqueName("dequantizer")
            graph.nodes.append(
                GraphNode(
                    name: name, className: "Custom>Dequantizer",
                    config: .object(LayerTemplates.base(name)), inputs: outputs, weights: []))
            graph.outputs = [TensorRef(layer: name)]
        }
        graph.modelClass = "Functional"
        if nested.isEmpty { graph = graph.inKerasLayerOrder() }
        for i in graph.nodes.indices { graph.nodes[i].className = originalClass(graph.nodes[i].className) }
        var floatGraph = sanitized
        for i in floatGraph.nodes.indices {
            floatGraph.nodes[i].className = originalClass(floatGraph.nodes[i].className)
        }
        return QuantizationPlan(
            graph: graph, sanitized: floatGraph, warnings: warnings,
            sanitizeNotes: sanitizing.notes, fullyQuantized: fully)
    }

    /// §5.7: an InputQuantizer after a float input; for an unsigned one, the first layer
    /// (through Rescaling) must be a Conv2D or Dense, which gets a bias and explicit padding.
    static func insertInputQuantizer(
        _ g: inout LayerGraph, params: QuantizationParams,
        warnings: inout [QuantizationWarning]
    ) throws {
        guard let inputName = g.inputs.first, let input = g.node(named: inputName) else { return }
        let dtype = input.config["dtype"]?.string ?? "float32"
        guard ["float32", "float16", "float64", "bfloat16"].contains(dtype) else {
            if dtype != params.inputDType.rawValue { warnings.append(.dtypeMismatch(dtype: dtype, input: inputName)) }
            return
        }
        let shape = input.config["batch_input_shape"] ?? .array([])
        let axis = params.perTensorActivations || (shape.array?.count ?? 0) < 3 ? "per-tensor" : "per-axis"
        let name = g.uniqueName("input_quantizer")
        let iq = GraphNode(
            name: name, className: "Custom>InputQuantizer",
            config: .object(
                LayerTemplates.base(name) + [
                    ("batch_input_shape", shape), ("quant_config", .object([])),
                    ("bitwidth", .number(Double(params.inputBitwidth))), ("signed", .bool(params.inputSigned)),
                    ("axis", .string(axis)),
                ]), inputs: [TensorRef(layer: inputName)], weights: [])
        g.insert(iq, after: inputName)
        guard !params.inputSigned else { return }
        // From the input, follow single outbounds through the InputQuantizer and Rescaling layers.
        var target = inputName
        while g.outbound(of: target).count == 1, let n = g.node(named: target),
            target == inputName || target == name || n.baseClassName.hasSuffix("Rescaling")
        {
            target = g.outbound(of: target)[0]
        }
        guard var first = g.node(named: target),
            QuantizedLayerRegistry.byClassName[first.baseClassName]?.foldsInputZeroPoint == true
        else {
            let n = g.node(named: target)
            throw QuantizationError.unsignedInputNeedsConvOrDense(
                dtype: params.inputDType.rawValue, layer: target,
                className: originalClass(n?.className ?? "?"))
        }
        if first.config["use_bias"]?.bool != true {
            first.setConfig("use_bias", .bool(true))
            let filters = first.tensor("kernel")?.shape.last ?? 0
            first.setTensor("bias", Tensor(shape: [filters], repeating: 0))
        }
        // The reference drops the bias initializer; the rebuilt layer serializes the default.
        first.setConfig("bias_initializer", LayerTemplates.zeros)
        if first.baseClassName == "QuantizedConv2D", first.config["padding"]?.string == "same",
            first.config["padding_value"] == nil
        {
            first.setConfig("padding", .string("valid"))
            first.setConfig("padding_value", .array([.number(0)]))
        }
        g[target] = first
    }

    /// §5.8: a `<layer>/dequantizer` on every link from a quantized layer to a float one.
    static func insertDequantizers(
        _ g: inout LayerGraph, quantized: Set<String>,
        nested: [String: (owner: String, ownerClass: String)], modelName: String,
        warn: Bool, warnings: inout [QuantizationWarning]
    ) throws -> Bool {
        guard !quantized.isEmpty else {
            let first = g.inputs.first.flatMap { g.outbound(of: $0).first }.flatMap { g.node(named: $0) }
            let cls = first.map { nested[$0.name]?.ownerClass ?? originalClass($0.className) } ?? "?"
            let name = first.map { nested[$0.name]?.owner ?? $0.name } ?? "?"
            throw QuantizationError.nothingQuantizable(model: modelName, firstLayer: name, className: cls)
        }
        var links: [(String, [String])] = []
        for node in g.nodes
        where !quantized.contains(node.name) && !LayerRegistry.isQuantizedClass(node.className)
            && layerClass(node) != "InputLayer"
        {
            for src in g.inbound(of: node.name) where quantized.contains(src) {
                if links.isEmpty && warn {
                    let owner = nested[node.name]
                    warnings.append(
                        .partial(
                            layer: owner?.owner ?? node.name,
                            className: owner?.ownerClass ?? layerClass(node)))
                }
                if let i = links.firstIndex(where: { $0.0 == src }) {
                    links[i].1.append(node.name)
                } else {
                    links.append((src, [node.name]))
                }
            }
        }
        for (src, readers) in links {
            let name = "\(src)/dequantizer"
            g.insert(
                GraphNode(
                    name: name, className: "Custom>Dequantizer", config: .object(LayerTemplates.base(name)),
                    inputs: [TensorRef(layer: src)], weights: []), after: src, consumers: readers)
        }
        return links.isEmpty
    }

    /// §5.9: an OutputQuantizer of `bits` on each output layer of a fully quantized model.
    static func applyLastOutputBits(_ g: inout LayerGraph, bits: Int, params: QuantizationParams) throws {
        for out in g.outputs {
            guard var node = g.node(named: out.layer),
                QuantizedLayerRegistry.byClassName[node.baseClassName]?.holdsOutputQuantizer ?? true,
                let qc = node.config["quant_config"]
            else {
                throw QuantizationError.lastOutputBits(layer: out.layer)
            }
            let oq: JSONValue = .object([
                ("bitwidth", .number(Double(bits))), ("buffer_bitwidth", .number(Double(params.bufferBits))),
                ("scale_bits", .number(bits >= 16 ? 16 : 8)),
            ])
            node.setConfig("quant_config", qc.setting("output_quantizer", to: oq))
            g[out.layer] = node
        }
    }

    /// §5.10: new variables start at their initial values (OutputQuantizer `range_max` = 1,
    /// `rescaling_rate` = 1; InputQuantizer `range_min` = 0, `range_max` = 1).
    static func addCalibrationVariables(_ g: inout LayerGraph) {
        let shapes = LayerRegistry.outputShapes(of: g)
        for i in g.nodes.indices {
            let node = g.nodes[i]
            let channels = shapes[node.name]?.last ?? 1
            if node.baseClassName == "InputQuantizer" {
                let shape = node.config["axis"]?.string == "per-axis" ? [channels] : []
                g.nodes[i].setTensor("range_min", Tensor(shape: shape, repeating: 0))
                g.nodes[i].setTensor("range_max", Tensor(shape: shape, repeating: 1))
            } else if let oq = node.config["quant_config"]?["output_quantizer"], node.className.hasPrefix("Custom>") {
                let shape = oq["axis"]?.string == "per-axis" ? [channels] : []
                g.nodes[i].setTensor(
                    QuantizedLayerRegistry.outputVariable("range_max", of: node), Tensor(shape: shape, repeating: 1))
                g.nodes[i].setTensor(
                    QuantizedLayerRegistry.outputVariable("rescaling_rate", of: node),
                    Tensor(shape: shape, repeating: 1))
            }
        }
    }
}
