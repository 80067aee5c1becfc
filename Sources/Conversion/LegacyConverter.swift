// LegacyConverter: models quantized with the old `cnn2snn.quantize` (fake-quantized float layers,
// no QuantizeML classes) become Akida 1.0 models as the reference's legacy path builds them:
// weights re-quantized from their max-based scale factors, thresholds and act_steps from the
// staircase ReLUs, the input scaling carried from one layer to the next.
import AkidaModel
import Foundation
import Quantization
import Tensors

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

    private static func error(
        _ layer: String?, _ rule: String, _ message: String, fix: String,
        type: String = "RuntimeError"
    ) -> ConversionError {
        ConversionError(kind: .unsupported, layer: layer, rule: rule, message: message, fix: fix, referenceType: type)
    }

    private struct Pending {
        var neural: QuantizedLayer
        var type: AkidaLayerType
        var params: [String: Int]
        var gap: QuantizedLayer?
    }

    static func convert(_ model: QuantizedModel) throws -> ConversionOutput {
        let graph = QuantizedKerasGraph(quantized: model)
        guard let inputName = model.inputs.first, let inputShape = graph.modelInputShape, inputShape.count == 3 else {
            throw error(
                nil, "legacy-input", "legacy CNN2SNN models need a (height, width, channels) input",
                fix: "re-quantize the model with QuantizeML")
        }
        var layers: [AkidaLayer] = []
        var inputScale: Float = 1
        var body = model.layers.filter { $0.name != inputName }
        if let first = body.first, first.baseClassName == "Rescaling" || first.baseClassName == "QuantizedRescaling" {
            throw error(
                first.name, "legacy-rescaling",
                "input scaling from a Rescaling layer is not supported for legacy CNN2SNN models",
                fix: "re-quantize the model with QuantizeML")
        }
        var pending: Pending?
        if inputShape[2] == 1 || inputShape[2] == 3 {
            guard let first = body.first, first.baseClassName == "QuantizedConv2D" else {
                let cls = body.first?.baseClassName ?? "none"
                throw error(
                    body.first?.name, "legacy-first-layer",
                    "First layer \(body.first?.name ?? "") must be QuantizedConv2D when model input shape is equal to "
                        + "1 or 3. Received layer of type \(cls)",
                    fix: "start the model with a Conv2D", type: "TypeError")
            }
            var params = convParams(first)
            params["input_channels"] = inputShape[2]
            params["input_height"] = inputShape[1]
            params["input_width"] = inputShape[0]
            params["padding_value"] = 0
            pending = Pending(neural: first, type: .inputConvolutional, params: params)
            body.removeFirst()
        } else {
            let shape = inputShape
            layers.append(
                AkidaLayer(
                    name: model.name + "_input", type: .inputData,
                    parameters: [
                        "input_bits": 4, "input_channels": shape[2], "input_height": shape[1],
                        "input_signed": 0, "input_width": shape[0],
                    ],
                    variables: [:], inbounds: [], inputShapes: [shape], outputShape: shape))
        }
        for layer in body {
            switch layer.baseClassName {
            case "QuantizedConv2D", "QuantizedSeparableConv2D", "QuantizedDense":
                let type: AkidaLayerType =
                    layer.baseClassName == "QuantizedDense"
                    ? .fullyConnected
                    : (layer.baseClassName == "QuantizedConv2D" ? .convolutional : .separableConvolutional)
                let bits = weightBits(layer)
                guard [2, 4, 8].contains(bits) else {
                    throw error(
                        layer.name, "legacy-weight-bits",
                        "Weight bitwidth must be in (2, 4, 8). Receives bitwidth \(bits) in layer '\(layer.name)'.",
                        fix: "quantize the weights with 2, 4 or 8 bits", type: "ValueError")
                }
                if type == .separableConvolutional {
                    throw error(
                        layer.name, "legacy-separable",
                        "legacy separable convolutions are not supported by SpikeForge's converter",
                        fix: "re-quantize the model with QuantizeML")
                }
                pending = Pending(
                    neural: layer, type: type,
                    params: type == .fullyConnected
                        ? ["units": layer.config["units"]?.int ?? 0, "weights_bits": bits] : convParams(layer))
            case "MaxPooling2D", "MaxPool2D":
                let pool = QuantizedKerasLayer(layer)
                let size = pool.pair("pool_size") ?? [2, 2]
                let stride = pool.pair("strides") ?? size
                pending?.params["pool_type"] = 1
                pending?.params["pooling_width"] = size[0]
                pending?.params["pooling_height"] = size[1]
                pending?.params["pooling_stride_x"] = stride[0]
                pending?.params["pooling_stride_y"] = stride[1]
            case "GlobalAveragePooling2D":
                pending?.params["pool_type"] = 2
                pending?.gap = layer
            case "QuantizedReLU", "ActivationDiscreteRelu":
                guard var p = pending else {
                    throw error(
                        layer.name, "legacy-activation", "activation '\(layer.name)' follows no neural layer",
                        fix: "place activations after Conv2D/Dense")
                }
                let bits = layer.config["bitwidth"]?.int ?? 1
                guard [1, 2, 4].contains(bits) else {
                    throw error(
                        layer.name, "legacy-activation-bits",
                        "Activation bitwidth must be in (1, 2, 4). Receives bitwidth \(bits) in layer '\(layer.name)'.",
                        fix: "quantize activations with 1, 2 or 4 bits", type: "ValueError")
                }
                p.params["act_bits"] = bits
                p.params["activation"] = 1
                let step = stepOf(layer, bits: bits)
                layers.append(
                    try build(p, step: step, bits: bits, inputScale: inputScale, graph: graph, previous: layers.last))
                inputScale = 1 / step
                pending = nil
            case "Flatten", "Reshape", "Activation", "Softmax", "Dropout":
                continue
            default:
                throw error(
                    layer.name, "legacy-layer", "Layer \(layer.name): unsupported type \(layer.baseClassName).",
                    fix: "legacy CNN2SNN models may only hold quantized Conv2D/Dense, ReLU, pooling and Flatten layers")
            }
        }
        if var p = pending {
            p.params["activation"] = 0
            layers.append(
                try build(p, step: nil, bits: nil, inputScale: inputScale, graph: graph, previous: layers.last))
        }
        var assembler = AkidaAssembler(graph: graph, records: QuantizationRecord(layers: [:]), target: .v1)
        assembler.replaceLayers(layers)
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

    private static func weightBits(_ layer: QuantizedLayer) -> Int {
        layer.config["quantizer"]?["config"]?["bitwidth"]?.int ?? 4
    }

    private static func convParams(_ layer: QuantizedLayer) -> [String: Int] {
        let q = QuantizedKerasLayer(layer)
        return [
            "act_bits": 1, "activation": 1, "filters": layer.config["filters"]?.int ?? 0,
            "kernel_height": q.kernelSize[1], "kernel_width": q.kernelSize[0], "padding": q.padding == "same" ? 1 : 0,
            "pool_type": 0, "pooling_height": -1, "pooling_stride_x": -1, "pooling_stride_y": -1, "pooling_width": -1,
            "stride_x": q.strides[0], "stride_y": q.strides[1], "weights_bits": weightBits(layer),
        ]
    }

    /// Quantization step of a staircase ReLU, in float32 as TensorFlow computes it.
    private static func stepOf(_ layer: QuantizedLayer, bits: Int) -> Float {
        let levels = Float(pow(2.0, Double(bits)) - 1)
        if layer.baseClassName == "ActivationDiscreteRelu" { return Float(min(Double(levels), 6) / Double(levels)) }
        return Float(layer.config["max_value"]?.double ?? Double(levels)) / levels
    }

    /// The legacy weight quantizer's fake-quantized weights and its scale factor per output channel.
    private static func quantized(_ layer: QuantizedLayer, _ w: Tensor<Float>) -> (values: [Float], scale: [Float]) {
        let perAxis = layer.config["quantizer"]?["class_name"]?.string == "MaxPerAxisQuantizer"
        let (weights, factors) = legacyFakeQuantize(w, bits: weightBits(layer), perAxis: perAxis)
        return (weights.scalars, perAxis ? factors : Array(repeating: factors[0], count: w.shape.last ?? 1))
    }

    private static func build(
        _ p: Pending, step: Float?, bits: Int?, inputScale: Float, graph: QuantizedKerasGraph,
        previous: AkidaLayer?
    ) throws -> AkidaLayer {
        let layer = p.neural, name = layer.name
        guard let kernel = layer.variable("kernel") else {
            throw error(
                name, "legacy-weights", "variable 'kernel' of \(name) is missing",
                fix: "re-save the model with its weights")
        }
        let (wq, delta) = quantized(layer, kernel)
        let units = kernel.shape.last ?? 1
        let input =
            previous?.outputShape ?? graph.inputShape(QuantizedKerasLayer(layer)).map { Array($0.suffix(3)) } ?? []
        guard let outShape = graph.shape(p.gap?.name ?? name) else {
            throw error(
                name, "shape-inference", "cannot infer the output shape of \(name)",
                fix: "check the model configuration")
        }
        let output = Array(repeating: 1, count: max(0, 3 - outShape.count)) + outShape
        var weights: [Int64]
        var shape = kernel.shape
        if p.type == .fullyConnected {
            guard input.count == 3 else {
                throw error(name, "shape-inference", "cannot infer the input of \(name)", fix: "check the model")
            }
            let (d0, d1, c) = (input[0], input[1], input[2])
            guard wq.count == d0 * d1 * c * units else {
                throw error(
                    name, "dense-flat-input", "the kernel of \(name) does not match its \(input) input",
                    fix: "check the model")
            }
            var permuted = [Float](repeating: 0, count: wq.count)
            for x in 0..<d0 {
                for y in 0..<d1 {
                    for ch in 0..<c {
                        let src = ((x * d1 + y) * c + ch) * units, dst = ((ch * d1 + y) * d0 + x) * units
                        for u in 0..<units { permuted[dst + u] = wq[src + u] }
                    }
                }
            }
            weights = try permuted.enumerated().map {
                try integral(
                    ($0.element * delta[$0.offset % units]).rounded(.toNearestOrEven), layer: name, what: "a weight")
            }
            shape = [1, 1, d0 * d1 * c, units]
        } else {
            weights = try wq.enumerated().map {
                try integral(
                    ($0.element * delta[$0.offset % units]).rounded(.toNearestOrEven), layer: name, what: "a weight")
            }
            if p.type == .convolutional {
                weights = KernelOps.flipSpatial(IntTensor(shape: shape, values: weights)).values
            }
        }
        let bias = layer.config["use_bias"]?.bool ?? true ? (layer.variable("bias")?.scalars ?? []) : []
        let threshold32: Float = step.map { $0 * 0.5 } ?? 0
        let actStepKeras: Double = step.map { s in Double(Float(s * Float(pow(2.0, Double(bits ?? 4)))) / 16) } ?? 1
        let gapFactor =
            p.gap.flatMap { graph.inputShape(QuantizedKerasLayer($0)) }
            .map { $0.count == 3 ? $0[0] * $0[1] : 1 } ?? 1
        var thresholds: [Int64] = [], actSteps: [Float] = []
        for u in 0..<units {
            let a = inputScale * delta[u]
            let b = u < bias.count ? Double(bias[u]) : 0
            let fire = Double(a) * (Double(threshold32) - b) * Double(gapFactor)
            thresholds.append(try integral(fire.rounded(.down), layer: name, what: "a threshold"))
            actSteps.append(Float(Double(a) * actStepKeras) * Float(gapFactor))
        }
        let w = VariableWriter(layer: name)
        let variables: [String: AkidaVariable] = [
            "weights": try w.ints("weights", .int8, shape: shape, weights),
            "threshold": try w.ints("threshold", .int32, shape: [units], thresholds),
            "act_step": try w.floats("act_step", shape: [units], actSteps),
        ]
        var params = p.params
        if p.type == .fullyConnected {
            params["act_bits"] = params["act_bits"] ?? 1
            params["activation"] = params["activation"] ?? 0
        }
        let inputShapes = p.type == .inputConvolutional ? [input] : [previous?.outputShape ?? input]
        return AkidaLayer(
            name: name, type: p.type, parameters: params, variables: variables,
            inbounds: previous.map { [$0.name] } ?? [], inputShapes: inputShapes, outputShape: output)
    }
}
