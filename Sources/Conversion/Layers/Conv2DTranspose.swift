// Conv2DTranspose: a (depthwise) transposed convolution with optional ReLU becomes an Akida 2.0
// Conv2DTranspose or DepthwiseConv2DTranspose (stride 2, 'same' padding, 3x3 or 4x4 kernels). Its
// kernel is the weight quantizer's (kh, kw, C, F or 1) integers, unflipped; it has no stride,
// padding or pooling parameter.
import AkidaModel
import Quantization

struct Conv2DTransposeConverter: BlockConverter {
    /// QuantizedDepthwiseConv2DTranspose → DepthwiseConv2DTranspose rather than the standard layer.
    let depthwise: Bool

    static let standard = Conv2DTransposeConverter(depthwise: false)
    static let depthwiseTranspose = Conv2DTransposeConverter(depthwise: true)

    var className: String { depthwise ? "QuantizedDepthwiseConv2DTranspose" : "QuantizedConv2DTranspose" }

    func patterns(_ target: AkidaTarget) -> [[String]] {
        guard target == .v2 else { return [] }
        return [[className], [className, "QuantizedReLU"], [className, "QuantizedActivation"]]
    }

    /// The reference's constructor assertions, in its order and wording (the two converters word
    /// and order them differently; an empty message is an assertion without one).
    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        let conv = block.root, k = conv.kernelSize, s = conv.strides
        let name = depthwise ? "DepthwiseConv2DTranspose" : "QuantizedConv2DTranspose"
        // (holds, rule, message, fix)
        let square = (k[0] == k[1], "square-kernel", "\(name) kernel should be square", "use a square kernel")
        let size = (
            [3, 4].contains(k[0]), "transpose-kernel-size",
            depthwise ? "\(name) supports kernel size of 3 or 4 only" : "", "use a 3x3 or 4x4 kernel"
        )
        let strides = (
            s[0] == s[1], "square-stride",
            "\(name) strides should be the same on both dimension" + (depthwise ? "" : "s."), "use equal strides"
        )
        let stride2 = (
            s[0] == 2, "transpose-stride",
            depthwise ? "\(name) supports stride 2 only" : "\(name) handles only stride 2", "use strides 2"
        )
        let same = (
            conv.padding == "same", "transpose-padding", "\(name) handles only 'same' padding", "use padding='same'"
        )
        var checks = BlockChecks(block, in: graph)
        let rules = depthwise ? [square, strides, size, stride2, same] : [square, size, strides, stride2, same]
        for (holds, rule, message, fix) in rules where !holds {
            checks.append(
                ConversionError(
                    kind: .parameter, layer: conv.name, rule: rule, message: message, fix: "\(fix) in '\(conv.name)'",
                    referenceType: "AssertionError"))
        }
        checks.weightBits("weight_quantizer", allowed: [4, 8], type: "AssertionError") {
            "\(name) layer can only handle weights with 4 or 8 bits. Received: \($0)."
        }
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addConvolutionTransposeV2(block, depthwise: depthwise, inbounds: inbounds)
    }
}

extension AkidaAssembler {
    mutating func addConvolutionTransposeV2(_ block: MatchedBlock, depthwise: Bool, inbounds: [String]) throws {
        let conv = block.root, name = conv.name
        try refuseLUTActivation(block)
        let input = try inputShape(of: inbounds, layer: name)
        let output = try outputShape(of: block)
        let bb = conv.neuralBufferBits, oq = block.outputQuantizer
        let cin = input[2], filters = output[2], k = conv.kernelSize[0]
        var params: [String: Int] = [
            "activation": block.relu != nil ? 1 : 0, "buffer_bits": bb, "kernel_size": k,
            "output_bits": oq?.bits ?? bb,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? QuantConfig.defaultBufferBitwidth,
            "weights_bits": conv.weightBits(),
        ]
        if !depthwise { params["filters"] = filters }
        try bufferChecks(name, params)
        let w = VariableWriter(layer: name), r = record(conv)
        let shape = [k, k, cin, depthwise ? 1 : filters]
        let weights = try w.broadcast("weights", try kernel(conv).values, to: shape, fallback: 0)
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints("weights", .int8, shape: shape, weights),
            "input_shift": try w.ints("input_shift", .uint8, shape: [cin], from: r.inputShift, fallback: 0),
        ]
        try setBias(&variables, w, r, channels: filters)
        if let relu = block.relu { try setMaxValue(&variables, w, record(relu), channels: filters) }
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: filters, scales: true)
        let layer = AkidaLayer(
            name: name, type: depthwise ? .depthwiseConv2DTranspose : .conv2DTranspose, parameters: params,
            variables: variables,
            inbounds: inbounds, inputShapes: [input], outputShape: output)
        append(layer, signed: (params["output_bits"] ?? bb) > 4, outputBits: params["output_bits"] ?? bb)
    }
}
