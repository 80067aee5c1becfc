// Convolution: the Akida 2.0 and 1.0 convolution builders that the input, standard, depthwise and
// separable convolution converters share: shapes, parameters, kernels (flipped for true
// convolutions), biases, padding values, ReLU maxima and output quantization.
import AkidaModel
import Quantization

extension AkidaAssembler {
    /// SpikeForge converts no LUT activation (QuantizedActivation) yet: a block holding one is
    /// refused, naming its main layer.
    func refuseLUTActivation(_ block: MatchedBlock) throws {
        guard block.lut != nil else { return }
        throw ConversionError(
            kind: .unsupported, layer: block.root.name, rule: "lut-activation",
            message: "LUT activations (QuantizedActivation) are not supported by SpikeForge's converter",
            fix: "use a ReLU activation, or convert this model with cnn2snn", referenceType: "NotImplementedError")
    }

    /// The Akida 2.0 convolution of a block: `type` is `.inputConv2D`, `.conv2D` or `.depthwiseConv2D`.
    mutating func addConvolutionV2(_ block: MatchedBlock, type: AkidaLayerType, inbounds: [String]) throws {
        let conv = block.root, name = conv.name
        try refuseLUTActivation(block)
        let input = try convolutionInput(conv, fromModelInput: type == .inputConv2D, inbounds: inbounds)
        let output = try outputShape(of: block)
        let bb = conv.neuralBufferBits, oq = block.outputQuantizer
        let pool = poolParameters(block)
        var params: [String: Int] = [
            "activation": block.relu != nil ? 1 : 0, "buffer_bits": bb, "kernel_size": conv.kernelSize[0],
            "kernel_stride": conv.strides[0], "output_bits": oq?.bits ?? bb,
            "padding": pool.padding ?? (conv.effectiveConvPadding == "same" ? 1 : 0),
            "pool_size": pool.size[0], "pool_stride": pool.stride[0], "pool_type": pool.type,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? QuantConfig.defaultBufferBitwidth,
            "weights_bits": conv.weightBits(),
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
            "weights": try w.ints(
                "weights", .int8, shape: kernelShape,
                w.broadcast("weights", kernel.values, to: kernelShape, fallback: 0))
        ]
        try setBias(&variables, w, r, channels: filters)
        if let shift = r.inputShift {
            if type == .inputConv2D {
                if shift.values.contains(where: { $0 != 0 }) {
                    throw ConversionError(
                        kind: .parameter, layer: name, rule: "input-conv-input-shift",
                        message: "InputConv2D layer must only have non-zero input shift.",
                        fix: "quantize the input per-tensor so that '\(name)' needs no input alignment",
                        referenceType: "ValueError")
                }
            }
        }
        if type != .inputConv2D {
            variables["input_shift"] = try w.ints("input_shift", .uint8, shape: [cin], from: r.inputShift, fallback: 0)
        }
        let padding = try paddingValue(name, r)
        if type == .inputConv2D {
            variables["padding_value"] = try w.ints(
                "padding_value", .uint8, shape: [cin], from: IntTensor(shape: [padding.count], values: padding),
                fallback: 0)
        } else if padding.contains(where: { $0 != 0 }) {
            throw ConversionError(
                kind: .parameter, layer: name, rule: "padding-value",
                message: "Conv2D padding value must be zero. Got \(numpyArray(padding)).",
                fix:
                    "only the input convolution may pad with a non-zero value; quantize the input as signed or make "
                    + "'\(name)' the first layer",
                referenceType: "ValueError")
        }
        if let relu = block.relu { try setMaxValue(&variables, w, record(relu), channels: filters) }
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: filters, scales: true)
        let layer = AkidaLayer(
            name: name, type: type, parameters: params, variables: variables,
            inbounds: inbounds, inputShapes: [input], outputShape: output)
        append(layer, signed: (params["output_bits"] ?? bb) > 4, outputBits: params["output_bits"] ?? bb)
    }

    /// The Akida 1.0 convolution of a block: `type` is `.inputConvolutional`, `.convolutional` or
    /// `.separableConvolutional`.
    mutating func addConvolutionV1(_ block: MatchedBlock, type: AkidaLayerType, inbounds: [String]) throws {
        let conv = block.root, name = conv.name
        let input = try convolutionInput(conv, fromModelInput: type == .inputConvolutional, inbounds: inbounds)
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
        let padding = try paddingValue(name, r)
        if type == .inputConvolutional {
            if Set(padding).count > 1 {
                throw ConversionError(
                    kind: .parameter, layer: name, rule: "padding-value",
                    message: "InputConvolutional cannot have per-axis padding value. Got \(numpyArray(padding)).",
                    fix: "quantize the input per-tensor (one zero point for all channels)", referenceType: "ValueError")
            }
            params["input_channels"] = input[2]
            params["input_height"] = input[1]
            params["input_width"] = input[0]
            params["padding_value"] = Int(padding[0])
        } else if padding.contains(where: { $0 != 0 }) {
            throw ConversionError(
                kind: .parameter, layer: name, rule: "padding-value",
                message: "Convolutional padding value must be zero. Got \(numpyArray(padding)).",
                fix: "only the input convolution may pad with a non-zero value", referenceType: "ValueError")
        }
        if let relu = block.relu {
            if let problem = BlockChecks.v1ReluProblems(relu).first { throw problem }
            params["activation"] = 1
            params["act_bits"] = relu.outputQuantizer?.bits ?? 1
        }
        try convEngineChecks(block, type: type, inputShape: input, outputShape: output)

        let w = VariableWriter(layer: name)
        var variables: [String: AkidaVariable] = [:]
        if type == .separableConvolutional {
            let dw = KernelOps.flipSpatial(try kernel(conv, "depthwise_kernel"))
            let pw = try kernel(conv, "pointwise_kernel")
            variables["weights"] = try w.ints(
                "weights", .int8, shape: [k[0], k[1], input[2], 1],
                w.broadcast("weights", dw.values, to: [k[0], k[1], input[2], 1], fallback: 0))
            variables["weights_pw"] = try w.ints(
                "weights_pw", .int8, shape: [1, 1, input[2], output[2]],
                w.broadcast("weights_pw", pw.values, to: [1, 1, input[2], output[2]], fallback: 0))
        } else {
            var kernel = try kernel(conv)
            if type == .convolutional { kernel = KernelOps.flipSpatial(kernel) }
            let shape = [k[0], k[1], input[2], output[2]]
            variables["weights"] = try w.ints(
                "weights", .int8, shape: shape, w.broadcast("weights", kernel.values, to: shape, fallback: 0))
        }
        var threshold = try w.broadcast("threshold", r.bias?.values.map { -$0 }, to: [output[2]], fallback: 0)
        if let gap = block.gap, let gapInput = graph.inputShape(gap), gapInput.count == 3 {
            threshold = threshold.map { $0 * Int64(gapInput[0] * gapInput[1]) }
        }
        try setOutputV1(&variables, w, block, threshold: threshold, params: params, channels: output[2])
        append(
            AkidaLayer(
                name: name, type: type, parameters: params, variables: variables, inbounds: inbounds,
                inputShapes: [input], outputShape: output),
            signed: false, outputBits: params["act_bits"] ?? 1, activation: params["activation"] == 1)
    }

    /// The 3-D input shape of a convolution: the model input's for an input convolution, else its
    /// inbound layer's output shape.
    private func convolutionInput(
        _ conv: QuantizedKerasLayer, fromModelInput: Bool, inbounds: [String]
    ) throws
        -> [Int]
    {
        guard
            let input = fromModelInput
                ? graph.inputShape(conv).map({ try? pad3($0, layer: conv.name) }) ?? nil
                : shapes(of: inbounds).first
        else {
            throw ConversionError(
                kind: .structure, layer: conv.name, rule: "shape-inference",
                message: "cannot infer the input shape of \(conv.name)",
                fix: "check the model configuration", referenceType: "ValueError")
        }
        return input
    }

    /// The recorded padding value of a convolution (0 when it pads with zeros), checked to fit uint8.
    private func paddingValue(_ name: String, _ r: RecordedLayer) throws -> [Int64] {
        let padding = r.paddingValue?.values ?? [0]
        if padding.contains(where: { $0 < 0 || $0 > 255 }) {
            throw ConversionError(
                kind: .registerOverflow, layer: name, rule: "padding-value",
                message: "padding_value must be an uint8 value",
                fix: "the padding value of '\(name)' must lie in [0, 255]",
                referenceType: "ValueError")
        }
        return padding
    }
}
