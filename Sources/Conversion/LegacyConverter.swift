// LegacyConverter: models quantized with the old `cnn2snn.quantize` (fake-quantized float layers,
// no QuantizeML classes) become Akida 1.0 models as the reference's legacy path builds them. This
// is the path's driver: it detects such models, takes the model input and the input scaling of a
// leading Rescaling, hands every other layer to its converter in the legacy registry
// (Layers/Legacy) and equalizes the act steps.
import AkidaModel
import Quantization

enum LegacyConverter {
    /// A model is legacy when no layer is a QuantizeML class and some layer carries a legacy
    /// weight quantizer or activation bitwidth.
    static func isLegacy(_ model: QuantizedModel) -> Bool {
        guard !model.layers.contains(where: { $0.className.hasPrefix("Custom>") }) else { return false }
        return model.layers.contains { l in
            l.quantConfig == nil && l.baseClassName.hasPrefix("Quantized")
                && (l.config["quantizer"] != nil || l.config["bitwidth"] != nil)
        }
    }

    static func error(
        _ layer: String?, _ rule: String, _ message: String, fix: String,
        type: String = "RuntimeError"
    ) -> ConversionError {
        ConversionError(kind: .unsupported, layer: layer, rule: rule, message: message, fix: fix, referenceType: type)
    }

    static func convert(_ model: QuantizedModel) throws -> ConversionOutput {
        let graph = QuantizedKerasGraph(quantized: model)
        guard let inputName = model.inputs.first, let inputShape = graph.modelInputShape, inputShape.count == 3 else {
            throw error(
                nil, "legacy-input", "legacy CNN2SNN models need a (height, width, channels) input",
                fix: "re-quantize the model with QuantizeML")
        }
        var conversion = LegacyConversion(graph: graph)
        var body = model.layers.filter { $0.name != inputName }
        if let first = body.first, first.baseClassName == "Rescaling" {
            let scaling = try LegacyRescalingConverter.inputScaling(first)
            conversion.inputScale = Float(scaling.scale)
            conversion.inputShift = scaling.shift
        }
        if inputShape[2] == 1 || inputShape[2] == 3 {
            if body.first?.baseClassName == "Rescaling" { body.removeFirst() }
            guard let first = body.first, first.baseClassName == "QuantizedConv2D" else {
                let cls = body.first?.baseClassName ?? "none"
                throw error(
                    body.first?.name, "legacy-first-layer",
                    "First layer \(body.first?.name ?? "") must be QuantizedConv2D when model input shape is equal to "
                        + "1 or 3. Received layer of type \(cls)",
                    fix: "start the model with a Conv2D", type: "TypeError")
            }
            var params = LegacyNeuralConverter.convParams(first)
            params["input_channels"] = inputShape[2]
            params["input_height"] = inputShape[1]
            params["input_width"] = inputShape[0]
            params["padding_value"] = Int(conversion.inputShift)
            conversion.pending = LegacyConversion.Pending(neural: first, type: .inputConvolutional, params: params)
            body.removeFirst()
        } else {
            let shape = inputShape
            conversion.layers.append(
                AkidaLayer(
                    name: model.name + "_input", type: .inputData,
                    parameters: [
                        "input_bits": 4, "input_channels": shape[2], "input_height": shape[1],
                        "input_signed": 0, "input_width": shape[0],
                    ],
                    variables: [:], inbounds: [], inputShapes: [shape], outputShape: shape))
        }
        for layer in body {
            guard let converter = LegacyLayerConverters.table[layer.baseClassName] else {
                throw error(
                    layer.name, "legacy-layer", "Layer \(layer.name): unsupported type \(layer.baseClassName).",
                    fix: "legacy CNN2SNN models may only hold quantized Conv2D/Dense, ReLU, pooling and Flatten layers")
            }
            try converter.add(layer, to: &conversion)
        }
        if var p = conversion.pending {
            p.params["activation"] = 0
            try conversion.build(p, step: nil, bits: nil)
        }
        var assembler = AkidaAssembler(graph: graph, records: QuantizationRecord(layers: [:]), target: .v1)
        assembler.replaceLayers(conversion.layers)
        let warnings = try assembler.equalizeV1ActSteps()
        guard let first = assembler.layers.first, let last = assembler.layers.last else {
            throw error(
                nil, "only-skippable-layers", "Cannot convert model with only skippable layers.",
                fix: "quantize the model first")
        }
        let akida = try AkidaModel(
            ipVersion: .v1, layers: assembler.layers, inputShape: first.inputShapes.first ?? first.outputShape,
            outputShape: last.outputShape)
        return ConversionOutput(model: akida, warnings: warnings)
    }
}
