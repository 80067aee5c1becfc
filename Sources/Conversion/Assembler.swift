// Assembler: builds the Akida model block by block — inbound resolution through the layers that
// vanish into blocks, InputData insertion after a Quantizer or at a bare integer input, the Akida
// layer of each block kind for both targets with every parameter and variable, and the engine's
// own construction checks (kernel/stride limits, signedness of connections).
import AkidaModel
import Foundation

/// Akida-side facts about an added layer that later layers depend on.
private struct Emitted {
    var signed: Bool
    var outputBits: Int
    var activation: Bool
}

struct AkidaAssembler {
    let graph: QGraph
    let records: QuantizationRecord
    let target: AkidaTarget
    private(set) var layers: [AkidaLayer] = []
    private var emitted: [String: Emitted] = [:]

    init(graph: QGraph, records: QuantizationRecord, target: AkidaTarget) {
        self.graph = graph
        self.records = records
        self.target = target
    }

    private func layer(named name: String) -> AkidaLayer? { layers.first { $0.name == name } }

    // MARK: inbounds

    /// Keras layers that never name an Akida layer: the walk to a block's inbound steps over them.
    private static let transparent: Set<String> = [
        "QuantizedDropout", "QuantizedFlatten", "QuantizedReshape", "QuantizedRescaling", "QuantizedReLU",
        "QuantizedMaxPool2D", "QuantizedGlobalAveragePooling2D", "QuantizedActivation", "InputLayer",
    ]

    private func resolveInbounds(_ root: QLayer) throws -> [String] {
        var names: [String] = []
        for start in root.inbounds {
            var current = graph.layer(start)
            while let c = current, Self.transparent.contains(c.className) {
                current = c.inbounds.first.flatMap { graph.layer($0) }
            }
            if let c = current {
                guard layer(named: c.name) != nil else {
                    throw ConversionError(kind: .structure, layer: root.name, rule: "inbound-resolution",
                        message: "Cannot resolve inbound layers for \(root.name).",
                        fix: "'\(c.name)' produces no Akida layer; make sure every branch feeding '\(root.name)' ends with a convertible block")
                }
                names.append(c.name)
            } else if let input = layers.first(where: { $0.type == .inputData }) {
                names.append(input.name)
            } else if root.inbounds.count > 1 {
                throw ConversionError(kind: .structure, layer: root.name, rule: "inbound-resolution",
                    message: "Cannot resolve inbound layers for \(root.name).",
                    fix: "feed '\(root.name)' from quantized layers only")
            }
        }
        return names
    }

    private mutating func append(_ l: AkidaLayer, signed: Bool, outputBits: Int, activation: Bool = false) {
        layers.append(l)
        emitted[l.name] = Emitted(signed: signed, outputBits: outputBits, activation: activation)
    }

    private func shapes(of inbounds: [String]) -> [[Int]] {
        inbounds.compactMap { layer(named: $0)?.outputShape }
    }

    /// Keras output shape of a block, as the 3-D Akida shape.
    private func outputShape(of block: MatchedBlock) throws -> [Int] {
        guard let last = block.layers.last, let shape = graph.shape(last.name) else {
            throw ConversionError(kind: .structure, layer: block.main.name, rule: "shape-inference",
                message: "cannot infer the output shape of \(block.main.name)",
                fix: "check the layer configuration in the model file", referenceType: "ValueError")
        }
        return try pad3(shape, layer: block.main.name)
    }

    private func pad3(_ shape: [Int], layer: String) throws -> [Int] {
        guard shape.count <= 3 else {
            throw ConversionError(kind: .structure, layer: layer, rule: "input-rank",
                message: "input shape must not exceed 3 dimensions.Receives \(pythonTuple(shape.map { Optional($0) }))",
                fix: "reshape to (height, width, channels) or (features,)", referenceType: "ValueError")
        }
        return Array(repeating: 1, count: 3 - shape.count) + shape
    }

    // MARK: InputData

    /// InputData after a Quantizer (unnamed: akida names it `InputData_<position>`) or, in an empty
    /// model, from the Keras input tensor.
    private mutating func addInputData(after inbounds: [String]) throws -> String {
        let shape: [Int], bits: Int, name: String
        if let qName = inbounds.first, let q = layer(named: qName), let facts = emitted[qName] {
            shape = q.outputShape
            bits = facts.outputBits
            name = "InputData_\(layers.count + 1)"
            let inputSigned = bits >= 5
            if inputSigned != facts.signed {
                throw ConversionError(kind: .engine, layer: qName, rule: "input-sign",
                    message: "InputData sign incompatible with previous layer.",
                    fix: "the first layer after '\(qName)' is no Akida input layer, so it needs a signed input: quantize the input as signed (input_dtype='int8'), or start the model with a Conv2D+ReLU on 1 or 3 channels")
            }
        } else {
            guard let inputName = graph.inputNames.first, let keras = graph.modelInputShape else {
                throw ConversionError(kind: .structure, layer: nil, rule: "model-input",
                    message: "the model has no input layer", fix: "save the model with its Input layer")
            }
            let dtype = graph.modelInputDType
            if dtype.hasPrefix("uint") || dtype == "bool" {
                throw ConversionError(kind: .parameter, layer: inputName, rule: "signed-input",
                    message: "Only signed inputs are supported.",
                    fix: "declare the input as int8, or as float and let an InputQuantizer quantize it",
                    referenceType: "ValueError")
            }
            shape = try pad3(keras, layer: inputName)
            switch dtype {
            case "int16": bits = target == .v1 ? 4 : 16
            case "int32": bits = target == .v1 ? 4 : 32
            case "int64": bits = target == .v1 ? 4 : 64
            default: bits = target == .v1 ? 4 : 8
            }
            name = inputName
        }
        let params = ["input_bits": bits, "input_channels": shape[2], "input_height": shape[1],
                      "input_signed": bits >= 5 ? 1 : 0, "input_width": shape[0]]
        append(AkidaLayer(name: name, type: .inputData, parameters: params, variables: [:], inbounds: inbounds,
                          inputShapes: [shape], outputShape: shape),
               signed: bits >= 5, outputBits: bits)
        return name
    }

    // MARK: blocks

    mutating func add(_ block: MatchedBlock) throws {
        var inbounds = try resolveInbounds(block.root)
        if !block.isInput && (layers.isEmpty || (inbounds.count == 1 && layer(named: inbounds[0])?.type == .quantizer)) {
            inbounds = [try addInputData(after: inbounds)]
        }
        switch (block.kind, target) {
        case (.quantizer, _): try addQuantizer(block)
        case (.inputConv, .v2), (.conv, .v2), (.depthwise, .v2): try addConvV2(block, inbounds: inbounds)
        case (.dense, .v2): try addDenseV2(block, inbounds: inbounds)
        case (.add, _): try addAdd(block, inbounds: inbounds)
        case (.concatenate, _): try addConcatenate(block, inbounds: inbounds)
        case (.dequantizer, .v2): try addDequantizer(block, inbounds: inbounds)
        case (.dequantizer, .v1): try foldDequantizerV1(block)
        case (.inputConv, .v1), (.conv, .v1), (.separable, .v1): try addConvV1(block, inbounds: inbounds)
        case (.dense, .v1): try addDenseV1(block, inbounds: inbounds)
        default:
            throw ConversionError(kind: .unsupported, layer: block.main.name, rule: "unsupported-layer",
                message: "\(block.main.className) blocks are not supported by SpikeForge's converter",
                fix: "temporal (TENN), transposed and post-processing layers are outside SpikeForge's scope; convert this model with cnn2snn",
                referenceType: "NotImplementedError")
        }
    }

    /// Stands in for a block that could not be built, so that a compatibility report can go on
    /// checking the blocks after it as if it had been fixed.
    mutating func addStandIn(_ block: MatchedBlock) {
        let name = block.main.name
        guard layer(named: name) == nil, let last = block.layers.last, let shape = graph.shape(last.name),
              let output = try? pad3(shape, layer: name) else { return }
        let inbounds = ((try? resolveInbounds(block.root)) ?? []).filter { layer(named: $0) != nil }
        let inputs = shapes(of: inbounds)
        append(AkidaLayer(name: name, type: target == .v1 ? .convolutional : .conv2D, parameters: [:], variables: [:],
                          inbounds: inbounds, inputShapes: inputs.isEmpty ? [output] : inputs, outputShape: output),
               signed: target == .v2, outputBits: block.outputQuantizer?.bitwidth ?? 8,
               activation: block.relu != nil)
    }

    /// Takes over layers built elsewhere (the legacy path), for the Akida 1.0 post-processing.
    mutating func replaceLayers(_ built: [AkidaLayer]) {
        layers = built
        for l in built { emitted[l.name] = Emitted(signed: false, outputBits: l.parameters["act_bits"] ?? 1,
                                                   activation: l.parameters["activation"] == 1) }
    }

    private func record(_ l: QLayer) -> RecordedLayer { records[l.name] }

    private func kernel(_ l: QLayer, _ key: String = "kernel") throws -> IntTensor {
        guard let w = record(l).weights[key] else {
            throw ConversionError(kind: .invalidArgument, layer: l.name, rule: "missing-weights",
                message: "no quantized \(key) recorded for \(l.name)",
                fix: "the quantized model lacks this layer's weights; re-quantize it", referenceType: "ValueError")
        }
        return w
    }

    private mutating func addQuantizer(_ block: MatchedBlock) throws {
        let q = block.root
        guard let keras = graph.inputShape(q) else {
            throw ConversionError(kind: .structure, layer: q.name, rule: "shape-inference",
                message: "cannot infer the input shape of \(q.name)", fix: "check the model input", referenceType: "ValueError")
        }
        let shape = try pad3(keras, layer: q.name)
        let bits = q.config["bitwidth"]?.int ?? 8, signed = q.config["signed"]?.bool ?? true
        guard bits == 4 || bits == 8 else {
            throw ConversionError(kind: .engine, layer: q.name, rule: "quantizer-bits",
                message: "The parameter bitwidth should be 4 or 8.",
                fix: "quantize the input with 4 or 8 bits", referenceType: "ValueError")
        }
        let w = VariableWriter(layer: q.name), r = record(q), c = shape[2]
        let fracBits = r.fracBits ?? [0]
        guard fracBits.count == 1 || fracBits.count == c else {
            throw ConversionError(kind: .engine, layer: q.name, rule: "variable-shape",
                message: "cannot broadcast \(fracBits.count) input scales to \(c) channels", fix: "re-quantize the model",
                referenceType: "ValueError")
        }
        let scales = (0..<c).map { Float(pow2(fracBits.count == 1 ? fracBits[0] : fracBits[$0])) }
        let variables = [
            "scales": try w.floats("scales", shape: [c], scales),
            "zero_points": try w.ints("zero_points", .uint8, shape: [c], from: r.zeroPoints, fallback: 0),
        ]
        let params = ["channels_first": 0, "input_channels": c, "input_height": shape[1], "input_width": shape[0],
                      "output_bits": bits, "output_signed": signed ? 1 : 0]
        append(AkidaLayer(name: q.name, type: .quantizer, parameters: params, variables: variables, inbounds: [],
                          inputShapes: [shape], outputShape: shape), signed: signed, outputBits: bits)
    }

    /// Max pool / global average parameters: (pool_type, size, stride, padding-or-nil).
    private func poolParameters(_ block: MatchedBlock) -> (type: Int, size: [Int], stride: [Int], padding: Int?) {
        if let pool = block.maxPool {
            let size = pool.pair("pool_size") ?? [2, 2]
            let stride = pool.config["strides"].flatMap { $0.isNull ? nil : pool.pair("strides") } ?? size
            return (1, size, stride, pool.padding == "same" ? 1 : 0)
        }
        if block.gap != nil { return (2, [-1, -1], [-1, -1], nil) }
        return (0, [-1, -1], [-1, -1], nil)
    }

    private func engineError(_ layer: String, _ message: String, fix: String) -> ConversionError {
        ConversionError(kind: .engine, layer: layer, rule: "engine-constraint", message: message, fix: fix,
                        referenceType: "ValueError")
    }

    /// Akida engine constraints checked when a convolution layer is added.
    private func convEngineChecks(_ block: MatchedBlock, type: AkidaLayerType, inputShape: [Int], outputShape: [Int]) throws {
        let conv = block.root, name = conv.name
        let k = conv.kernelSize, s = conv.strides
        if type == .conv2D || type == .depthwiseConv2D {
            if s[0] != 1 && s[0] != 2 {
                throw engineError(name, "Kernel stride must be equal to 1 or 2.", fix: "use strides 1 or 2")
            }
            if k[0] % 2 == 0 { throw engineError(name, "Kernel size must be odd.", fix: "use an odd kernel size") }
            if s[0] == 2 && type == .conv2D && k[0] != 1 && k[0] != 3 {
                throw engineError(name, "Stride 2 is only supported with kernel size 1 or 3.",
                                  fix: "use a 1x1 or 3x3 kernel with stride 2, or stride 1 followed by pooling")
            }
            if s[0] == 2 && type == .depthwiseConv2D && k[0] != 3 {
                throw engineError(name, "Stride 2 is only supported with kernel size 3.",
                                  fix: "use a 3x3 depthwise kernel with stride 2")
            }
        }
        if [.inputConvolutional, .convolutional, .separableConvolutional].contains(type) && (s[0] > k[0] || s[1] > k[1]) {
            throw engineError(name, "Strides > kernel size are not supported", fix: "use strides no larger than the kernel")
        }
        if let pool = block.maxPool {
            let size = pool.pair("pool_size") ?? [2, 2], stride = pool.pair("strides") ?? size
            if stride[0] > size[0] || stride[1] > size[1] {
                throw engineError(pool.name, "Parameter pool_stride cannot be higher than pool_size.",
                                  fix: "use pooling strides no larger than the pool size")
            }
        }
        if outputShape.contains(where: { $0 <= 0 }) || inputShape.contains(where: { $0 <= 0 }) {
            throw engineError(name, "Computed output size would not be strictly positive.",
                              fix: "the input of '\(name)' is smaller than its kernel/pool; use 'same' padding or a larger input")
        }
    }

    // MARK: Akida 2.0 layers

    private mutating func addConvV2(_ block: MatchedBlock, inbounds: [String]) throws {
        let conv = block.root, name = conv.name
        if block.lut != nil {
            throw ConversionError(kind: .unsupported, layer: name, rule: "lut-activation",
                message: "LUT activations (QuantizedActivation) are not supported by SpikeForge's converter",
                fix: "use a ReLU activation, or convert this model with cnn2snn", referenceType: "NotImplementedError")
        }
        let type: AkidaLayerType = block.kind == .inputConv ? .inputConv2D : (block.kind == .depthwise ? .depthwiseConv2D : .conv2D)
        guard let input = block.kind == .inputConv ? graph.inputShape(conv).map({ try? pad3($0, layer: name) }) ?? nil
                                                   : shapes(of: inbounds).first else {
            throw ConversionError(kind: .structure, layer: name, rule: "shape-inference", message: "cannot infer the input shape of \(name)",
                                  fix: "check the model configuration", referenceType: "ValueError")
        }
        let output = try outputShape(of: block)
        let bb = conv.neuralBufferBits, oq = block.outputQuantizer
        let pool = poolParameters(block)
        var params: [String: Int] = [
            "activation": block.relu != nil ? 1 : 0, "buffer_bits": bb, "kernel_size": conv.kernelSize[0],
            "kernel_stride": conv.strides[0], "output_bits": oq?.bitwidth ?? bb,
            "padding": pool.padding ?? (conv.effectiveConvPadding == "same" ? 1 : 0),
            "pool_size": pool.size[0], "pool_stride": pool.stride[0], "pool_type": pool.type,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? 32, "weights_bits": conv.weightBits(),
        ]
        let cin = input[2], filters = output[2]
        if type != .depthwiseConv2D { params["filters"] = filters }
        if type == .inputConv2D {
            params["input_channels"] = cin
            params["input_x"] = input[0]
            params["input_y"] = input[1]
        }
        try convEngineChecks(block, type: type, inputShape: input, outputShape: output)
        try bufferChecks(name, params)

        let w = VariableWriter(layer: name), r = record(conv)
        var kernel = try kernel(conv)
        if type != .inputConv2D { kernel = KernelOps.flipSpatial(kernel) }
        let k = conv.kernelSize[0]
        let kernelShape = type == .depthwiseConv2D ? [k, k, cin, 1] : [k, k, cin, filters]
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints("weights", .int8, shape: kernelShape, w.broadcast("weights", kernel.values, to: kernelShape, fallback: 0)),
        ]
        try setBias(&variables, w, r, channels: filters)
        if let shift = r.inputShift {
            if type == .inputConv2D {
                if shift.values.contains(where: { $0 != 0 }) {
                    throw ConversionError(kind: .parameter, layer: name, rule: "input-conv-input-shift",
                        message: "InputConv2D layer must only have non-zero input shift.",
                        fix: "quantize the input per-tensor so that '\(name)' needs no input alignment", referenceType: "ValueError")
                }
            }
        }
        if type != .inputConv2D {
            variables["input_shift"] = try w.ints("input_shift", .uint8, shape: [cin], from: r.inputShift, fallback: 0)
        }
        let padding = r.paddingValue?.values ?? [0]
        if padding.contains(where: { $0 < 0 || $0 > 255 }) {
            throw ConversionError(kind: .registerOverflow, layer: name, rule: "padding-value",
                message: "padding_value must be an uint8 value", fix: "the padding value of '\(name)' must lie in [0, 255]",
                referenceType: "ValueError")
        }
        if type == .inputConv2D {
            variables["padding_value"] = try w.ints("padding_value", .uint8, shape: [cin], from: IntTensor(shape: [padding.count], values: padding), fallback: 0)
        } else if padding.contains(where: { $0 != 0 }) {
            throw ConversionError(kind: .parameter, layer: name, rule: "padding-value",
                message: "Conv2D padding value must be zero. Got \(numpyArray(padding)).",
                fix: "only the input convolution may pad with a non-zero value; quantize the input as signed or make '\(name)' the first layer",
                referenceType: "ValueError")
        }
        if let relu = block.relu { try setMaxValue(&variables, w, record(relu), channels: filters) }
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: filters, scales: true)
        let layer = AkidaLayer(name: name, type: type, parameters: params, variables: variables,
                               inbounds: inbounds, inputShapes: [input], outputShape: output)
        append(layer, signed: (params["output_bits"] ?? bb) > 4, outputBits: params["output_bits"] ?? bb)
    }

    /// Input and output shapes of a dense block (Akida 3-D shapes).
    private func denseShapes(_ block: MatchedBlock, inbounds: [String]) throws -> (input: [Int], output: [Int]) {
        guard let input = shapes(of: inbounds).first else {
            throw ConversionError(kind: .structure, layer: block.main.name, rule: "shape-inference",
                                  message: "cannot infer the input shape of \(block.main.name)",
                                  fix: "check the model configuration", referenceType: "ValueError")
        }
        return (input, try outputShape(of: block))
    }

    private mutating func addDenseV2(_ block: MatchedBlock, inbounds: [String]) throws {
        let dense = block.main, name = dense.name
        let (input, output) = try denseShapes(block, inbounds: inbounds)
        let units = output[2], features = input.reduce(1, *)
        let bb = dense.neuralBufferBits, oq = block.outputQuantizer
        let relu = block.layers.last?.className == "QuantizedReLU" ? block.layers.last : nil
        let params: [String: Int] = [
            "activation": relu != nil ? 1 : 0, "buffer_bits": bb, "output_bits": oq?.bitwidth ?? bb,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? 32, "units": units, "weights_bits": dense.weightBits(),
        ]
        try bufferChecks(name, params)
        let w = VariableWriter(layer: name), r = record(dense)
        let kernel = try kernel(dense)
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints("weights", .int8, shape: [features, units], w.broadcast("weights", kernel.values, to: [features, units], fallback: 0)),
            "input_shift": try w.ints("input_shift", .uint8, shape: [features], from: r.inputShift, fallback: 0),
        ]
        try setBias(&variables, w, r, channels: units)
        if let relu { try setMaxValue(&variables, w, record(relu), channels: units) }
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: units, scales: true)
        append(AkidaLayer(name: name, type: .dense1D, parameters: params, variables: variables, inbounds: inbounds,
                          inputShapes: [input], outputShape: output),
               signed: (params["output_bits"] ?? bb) > 4, outputBits: params["output_bits"] ?? bb)
    }

    private mutating func addAdd(_ block: MatchedBlock, inbounds: [String]) throws {
        let add = block.root, name = add.name
        let inputs = shapes(of: inbounds)
        guard let first = inputs.first else {
            throw ConversionError(kind: .structure, layer: name, rule: "inbound-resolution", message: "Cannot resolve inbound layers for \(name).",
                                  fix: "feed '\(name)' from quantized layers only")
        }
        let bb = add.configuredBufferBitwidth, oq = block.outputQuantizer
        let params = ["buffer_bits": bb, "output_bits": oq?.bitwidth ?? bb, "post_op_buffer_bits": oq?.bufferBitwidth ?? 32]
        try bufferChecks(name, params)
        let w = VariableWriter(layer: name), r = record(add), c = first[2]
        var variables: [String: AkidaVariable] = [
            "a_shift": try w.ints("a_shift", .uint8, shape: [c], from: r.aShift, fallback: 0),
            "b_shift": try w.ints("b_shift", .uint8, shape: [c], from: r.bShift, fallback: 0),
        ]
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: c, scales: false)
        append(AkidaLayer(name: name, type: .add, parameters: params, variables: variables, inbounds: inbounds,
                          inputShapes: inputs, outputShape: first),
               signed: true, outputBits: params["output_bits"] ?? bb)
    }

    private mutating func addConcatenate(_ block: MatchedBlock, inbounds: [String]) throws {
        let name = block.root.name
        let facts = inbounds.compactMap { emitted[$0] }
        if Set(facts.map(\.signed)).count > 1 {
            throw engineError(name, "All Concatenate inbound layers should produce the same signs",
                              fix: "quantize every input of '\(name)' with the same signedness")
        }
        if Set(facts.map(\.outputBits)).count > 1 {
            throw engineError(name, "All Concatenate inbound layers should have the same output_bits",
                              fix: "quantize every input of '\(name)' with the same bitwidth")
        }
        let output = try outputShape(of: block)
        append(AkidaLayer(name: name, type: .concatenate, parameters: [:], variables: [:], inbounds: inbounds,
                          inputShapes: shapes(of: inbounds), outputShape: output),
               signed: facts.first?.signed ?? true, outputBits: facts.first?.outputBits ?? 8)
    }

    private func dequantizerScales(_ deq: QLayer, channels: Int) throws -> [Float] {
        let r = record(deq)
        let frac = r.fracBits ?? [0]
        let scales = r.scales ?? [1]
        let n = max(frac.count, scales.count)
        guard (frac.count == 1 || frac.count == n) && (scales.count == 1 || scales.count == n)
                && (n == 1 || n == channels) else {
            throw ConversionError(kind: .engine, layer: deq.name, rule: "variable-shape",
                message: "cannot broadcast dequantizer scales of size \(n) to \(channels) channels",
                fix: "re-quantize the model", referenceType: "ValueError")
        }
        return (0..<channels).map { i in
            let s = scales.count == 1 ? scales[0] : scales[i]
            let f = frac.count == 1 ? frac[0] : frac[i]
            return s / Float(pow2(f))
        }
    }

    private mutating func addDequantizer(_ block: MatchedBlock, inbounds: [String]) throws {
        let deq = block.root
        guard let input = shapes(of: inbounds).first else {
            throw ConversionError(kind: .structure, layer: deq.name, rule: "inbound-resolution",
                                  message: "Cannot resolve inbound layers for \(deq.name).", fix: "dequantize a quantized layer")
        }
        let w = VariableWriter(layer: deq.name)
        let scales = try dequantizerScales(deq, channels: input[2])
        append(AkidaLayer(name: deq.name, type: .dequantizer, parameters: [:],
                          variables: ["scales": try w.floats("scales", shape: [input[2]], scales)],
                          inbounds: inbounds, inputShapes: [input], outputShape: input),
               signed: true, outputBits: 32)
    }

    private func bufferChecks(_ name: String, _ params: [String: Int]) throws {
        for key in ["buffer_bits", "post_op_buffer_bits"] {
            if let v = params[key], v < 1 || v > 32 {
                throw engineError(name, "The \(key) parameter must be between 1 and 32.", fix: "use a buffer bitwidth of at most 32")
            }
        }
    }

    private func setBias(_ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ r: RecordedLayer, channels: Int) throws {
        try setAligned(&variables, w, r.bias, shift: r.biasShift, names: ("bias", "bias_shift"), .int8,
                       fallbacks: (0, 0), channels: channels)
    }

    private func setMaxValue(_ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ r: RecordedLayer, channels: Int) throws {
        try setAligned(&variables, w, r.maxValue, shift: r.maxValueShift, names: ("max_value", "max_value_shift"), .uint8,
                       fallbacks: (127, 31), channels: channels)
    }

    /// A value QuantizeML aligned by a left shift (bias, ReLU max value): Akida stores it shifted
    /// back right, with the shift.
    private func setAligned(_ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ aligned: IntTensor?, shift: IntTensor?,
                            names: (value: String, shift: String), _ dtype: AkidaDType, fallbacks: (Int64, Int64), channels: Int) throws {
        var value: [Int64]? = nil, shifts: [Int64]? = nil
        if let aligned {
            let s = shift?.values ?? [0]
            value = KernelOps.shiftRight(aligned.values, by: s)
            shifts = s
        }
        variables[names.value] = try w.ints(names.value, dtype, shape: [channels],
                                            w.broadcast(names.value, value, to: [channels], fallback: fallbacks.0))
        variables[names.shift] = try w.ints(names.shift, .uint8, shape: [channels],
                                            w.broadcast(names.shift, shifts, to: [channels], fallback: fallbacks.1))
    }

    private func setOutputV2(_ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ block: MatchedBlock,
                             bufferBits: Int, channels: Int, scales: Bool) throws {
        let r = block.layers.last.map(record) ?? RecordedLayer()
        if scales {
            variables["output_scales"] = try w.ints("output_scales", .uint8, shape: [channels], from: r.outputScales, fallback: 1)
        }
        let shift = r.outputShift.map { IntTensor(shape: $0.shape, values: $0.values.map { max($0, Int64(1 - bufferBits)) }) }
        let values = try w.broadcast("output_shift", shift?.values, to: [channels], fallback: 0)
        if let bad = values.first(where: { $0 < -31 || $0 > 31 }) {
            throw w.overflow("output_shift", bad, .int8, why: "; the Akida engine only applies output shifts in [-31, 31]")
        }
        variables["output_shift"] = try w.ints("output_shift", .int8, shape: [channels], values)
    }

    // MARK: Akida 1.0 layers

    private mutating func addConvV1(_ block: MatchedBlock, inbounds: [String]) throws {
        let conv = block.root, name = conv.name
        let type: AkidaLayerType = block.kind == .inputConv ? .inputConvolutional
            : (block.kind == .separable ? .separableConvolutional : .convolutional)
        guard let input = type == .inputConvolutional ? graph.inputShape(conv).map({ try? pad3($0, layer: name) }) ?? nil
                                                      : shapes(of: inbounds).first else {
            throw ConversionError(kind: .structure, layer: name, rule: "shape-inference", message: "cannot infer the input shape of \(name)",
                                  fix: "check the model configuration", referenceType: "ValueError")
        }
        let output = try outputShape(of: block)
        let pool = poolParameters(block)
        let k = conv.kernelSize, s = conv.strides
        let bitsKey = type == .separableConvolutional ? "dw_weight_quantizer" : "weight_quantizer"
        var params: [String: Int] = [
            "act_bits": 1, "activation": 0, "filters": output[2], "kernel_height": k[1], "kernel_width": k[0],
            "padding": pool.padding ?? (conv.effectiveConvPadding == "same" ? 1 : 0), "pool_type": pool.type,
            "pooling_height": pool.size[1], "pooling_stride_x": pool.stride[0], "pooling_stride_y": pool.stride[1],
            "pooling_width": pool.size[0], "stride_x": s[0], "stride_y": s[1], "weights_bits": conv.weightBits(bitsKey),
        ]
        let r = record(conv)
        let padding = r.paddingValue?.values ?? [0]
        if padding.contains(where: { $0 < 0 || $0 > 255 }) {
            throw ConversionError(kind: .registerOverflow, layer: name, rule: "padding-value",
                message: "padding_value must be an uint8 value", fix: "the padding value of '\(name)' must lie in [0, 255]",
                referenceType: "ValueError")
        }
        if type == .inputConvolutional {
            if Set(padding).count > 1 {
                throw ConversionError(kind: .parameter, layer: name, rule: "padding-value",
                    message: "InputConvolutional cannot have per-axis padding value. Got \(numpyArray(padding)).",
                    fix: "quantize the input per-tensor (one zero point for all channels)", referenceType: "ValueError")
            }
            params["input_channels"] = input[2]
            params["input_height"] = input[1]
            params["input_width"] = input[0]
            params["padding_value"] = Int(padding[0])
        } else if padding.contains(where: { $0 != 0 }) {
            throw ConversionError(kind: .parameter, layer: name, rule: "padding-value",
                message: "Convolutional padding value must be zero. Got \(numpyArray(padding)).",
                fix: "only the input convolution may pad with a non-zero value", referenceType: "ValueError")
        }
        if let relu = block.relu {
            if let problem = graph.v1ReluProblems(relu).first { throw problem }
            params["activation"] = 1
            params["act_bits"] = relu.outputQuantizer?.bitwidth ?? 1
        }
        try convEngineChecks(block, type: type, inputShape: input, outputShape: output)

        let w = VariableWriter(layer: name)
        var variables: [String: AkidaVariable] = [:]
        if type == .separableConvolutional {
            let dw = KernelOps.flipSpatial(try kernel(conv, "depthwise_kernel"))
            let pw = try kernel(conv, "pointwise_kernel")
            variables["weights"] = try w.ints("weights", .int8, shape: [k[0], k[1], input[2], 1], w.broadcast("weights", dw.values, to: [k[0], k[1], input[2], 1], fallback: 0))
            variables["weights_pw"] = try w.ints("weights_pw", .int8, shape: [1, 1, input[2], output[2]], w.broadcast("weights_pw", pw.values, to: [1, 1, input[2], output[2]], fallback: 0))
        } else {
            var kernel = try kernel(conv)
            if type == .convolutional { kernel = KernelOps.flipSpatial(kernel) }
            let shape = [k[0], k[1], input[2], output[2]]
            variables["weights"] = try w.ints("weights", .int8, shape: shape, w.broadcast("weights", kernel.values, to: shape, fallback: 0))
        }
        var threshold = try w.broadcast("threshold", r.bias?.values.map { -$0 }, to: [output[2]], fallback: 0)
        if let gap = block.gap, let gapInput = graph.inputShape(gap), gapInput.count == 3 {
            threshold = threshold.map { $0 * Int64(gapInput[0] * gapInput[1]) }
        }
        try setOutputV1(&variables, w, block, threshold: threshold, params: params, channels: output[2])
        append(AkidaLayer(name: name, type: type, parameters: params, variables: variables, inbounds: inbounds,
                          inputShapes: [input], outputShape: output),
               signed: false, outputBits: params["act_bits"] ?? 1, activation: params["activation"] == 1)
    }

    private mutating func addDenseV1(_ block: MatchedBlock, inbounds: [String]) throws {
        let dense = block.main, name = dense.name
        let (input, output) = try denseShapes(block, inbounds: inbounds)
        let units = output[2], features = input.reduce(1, *)
        let bits = dense.weightBits()
        if ![1, 2, 4].contains(bits) {
            throw ConversionError(kind: .parameter, layer: name, rule: "weight-bits",
                message: "FullyConnected layer only supports 1, 2 or 4 weight bits value.                               Received weight_bits=\(bits).",
                fix: "quantize the weights of '\(name)' with 1, 2 or 4 bits", referenceType: "ValueError")
        }
        var params = ["act_bits": 1, "activation": 0, "units": units, "weights_bits": bits]
        if let relu = block.layers.last, relu.className == "QuantizedReLU" {
            params["activation"] = 1
            params["act_bits"] = relu.outputQuantizer?.bitwidth ?? 1
        }
        let w = VariableWriter(layer: name), r = record(dense)
        let kernel = try kernel(dense)
        var values = kernel.values
        if let first = block.layers.first, let blockInput = graph.inputShape(first), let denseInput = graph.inputShape(dense),
           blockInput != denseInput {
            guard blockInput.count == 3 else {
                throw ConversionError(kind: .structure, layer: name, rule: "dense-flat-input",
                    message: "not enough values to unpack (expected 4, got \(blockInput.count + 1))",
                    fix: "flatten a (height, width, channels) tensor before '\(name)'", referenceType: "ValueError")
            }
            values = KernelOps.columnMajorDense(kernel, d0: blockInput[0], d1: blockInput[1], c: blockInput[2])
        }
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints("weights", .int8, shape: [1, 1, features, units], w.broadcast("weights", values, to: [1, 1, features, units], fallback: 0)),
        ]
        let threshold = try w.broadcast("threshold", r.bias?.values.map { -$0 }, to: [units], fallback: 0)
        try setOutputV1(&variables, w, block, threshold: threshold, params: params, channels: units)
        append(AkidaLayer(name: name, type: .fullyConnected, parameters: params, variables: variables, inbounds: inbounds,
                          inputShapes: [input], outputShape: output),
               signed: false, outputBits: params["act_bits"] ?? 1, activation: params["activation"] == 1)
    }

    /// Threshold and act_step from the block's output quantizer (Akida 1.0 neurons fire when the
    /// potential passes the threshold, one level per act_step).
    private func setOutputV1(_ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ block: MatchedBlock,
                             threshold: [Int64], params: [String: Int], channels: Int) throws {
        var threshold = threshold
        var actStep = [Float](repeating: 1, count: channels)
        let r = block.layers.last.map(record) ?? RecordedLayer()
        if block.outputQuantizer != nil, let shift = r.outputShift {
            let shifts = try w.broadcast("act_step", shift.values, to: [channels], fallback: 0)
            let scales = try w.broadcast("act_step", r.outputScales?.values, to: [channels], fallback: 1)
            actStep = (0..<channels).map { Float(pow2(Double(-shifts[$0]))) / Float(scales[$0]) }
            if params["activation"] == 1 {
                threshold = try (0..<channels).map { threshold[$0] + (try integral(roundHalfEven(0.5 * actStep[$0]), layer: w.layer, what: "a threshold")) }
                let factor = Float(pow2(Double((params["act_bits"] ?? 4) - 4)))
                actStep = actStep.map { $0 * factor }
            }
        }
        variables["threshold"] = try w.ints("threshold", .int32, shape: [channels], threshold)
        variables["act_step"] = try w.floats("act_step", shape: [channels], actStep)
    }

    /// Akida 1.0 has no Dequantizer layer: its scales fold into the last layer's act_step when that
    /// layer has no activation.
    private mutating func foldDequantizerV1(_ block: MatchedBlock) throws {
        guard let index = layers.indices.last, emitted[layers[index].name]?.activation == false,
              let actStep = layers[index].variables["act_step"] else { return }
        let scales = try dequantizerScales(block.root, channels: actStep.shape.reduce(1, *))
        let values = zip(actStep.floats, scales).map { $0 / $1 }
        layers[index].variables["act_step"] = try VariableWriter(layer: layers[index].name)
            .floats("act_step", shape: actStep.shape, values)
    }

    // MARK: Akida 1.0 post-processing

    /// Caps act_step (and thresholds) of every layer but the last to the hardware limits, moving
    /// the excess into the next layer's weights; returns the reference's warnings.
    mutating func equalizeV1ActSteps() throws -> [String] {
        var warnings: [String] = []
        guard layers.count > 1 else { return warnings }
        for index in 0..<(layers.count - 1) {
            let l = layers[index]
            guard let actStep = l.variables["act_step"] else { continue }
            let limit: Float = l.type == .inputConvolutional ? Float((1 << 20) - 1) : Float((1 << 16) - 1)
            let old = actStep.floats
            guard old.contains(where: { $0 > limit }) else { continue }
            let ratio = old.map { $0 > limit ? $0 / limit : 1 }
            let new = old.map { $0 > limit ? limit : $0 }
            let w = VariableWriter(layer: l.name)
            layers[index].variables["act_step"] = try w.floats("act_step", shape: actStep.shape, new)
            if l.parameters["activation"] == 1, let t = l.variables["threshold"] {
                let factor = Float(pow2(Double((l.parameters["act_bits"] ?? 4) - 4)))
                let updated = try (0..<t.integers.count).map { i -> Int64 in
                    let effect = roundHalfEven(0.5 * (new[i] - old[i])) / factor
                    return Int64(t.integers[i]) + (try integral(effect.rounded(.towardZero), layer: l.name, what: "a threshold"))
                }
                layers[index].variables["threshold"] = try w.ints("threshold", .int32, shape: t.shape, updated)
            }
            let next = layers[index + 1]
            guard let weights = next.variables["weights"], weights.shape.count == 4, weights.shape[2] == ratio.count else {
                throw ConversionError(kind: .registerOverflow, layer: l.name, rule: "v1-act-step",
                    message: "act_step of \(l.name) exceeds the hardware limit \(Int(limit)) and cannot be moved into \(next.name)",
                    fix: "re-quantize with larger activation ranges for '\(l.name)'", referenceType: "ValueError")
            }
            let channels = weights.shape[2], filters = weights.shape[3]
            let scaled = try weights.integers.enumerated().map { i, v -> Int64 in
                try integral((Float(v) / ratio[(i / filters) % channels]).rounded(.down), layer: next.name, what: "a weight")
            }
            layers[index + 1].variables["weights"] = try VariableWriter(layer: next.name)
                .ints("weights", .int8, shape: weights.shape, scaled)
        }
        for index in 0..<(layers.count - 1) {
            let l = layers[index]
            guard let t = l.variables["threshold"] else { continue }
            let limit = Int32(l.type == .inputConvolutional ? (1 << 23) - 1 : (1 << 19) - 1)
            if t.integers.contains(where: { $0 > limit }) {
                layers[index].variables["threshold"] = try VariableWriter(layer: l.name)
                    .ints("threshold", .int32, shape: t.shape, t.integers.map { Int64(min($0, limit)) })
                warnings.append("The \(l.name) layer holds very high threshold values which are not compatible with the hardware. Those are clipped to the maximum supported value \(limit). Continuing execution.")
            }
        }
        return warnings
    }
}

/// 2^x for the (integral) exponents of fractional bits and shifts.
func pow2(_ x: Double) -> Double { Foundation.pow(2.0, x) }

/// numpy's repr of a small integer array: `[1 2 3]`, or a bare scalar.
func numpyArray(_ values: [Int64]) -> String {
    values.count == 1 ? "\(values[0])" : "[" + values.map(String.init).joined(separator: " ") + "]"
}
