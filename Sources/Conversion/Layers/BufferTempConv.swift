// BufferTempConv and DepthwiseBufferTempConv: a QuantizedBufferTempConv (or its depthwise form),
// optionally followed by a QuantizedReLU, becomes the Akida 2.0 layer of the same name: the FIFO
// size is the kernel size, the kernel is kept as QuantizeML stores it (no flip; the depthwise
// (T, C) kernel as (1, 1, T, C)), the FIFO's recorded expand shift is the input shift, the buffer
// width is QuantizeML's plus its sign bit. Akida 1.0 has no such layers.
import AkidaModel
import Quantization

struct BufferTempConvConverter: BlockConverter {
    let depthwise: Bool

    static let standard = BufferTempConvConverter(depthwise: false)
    static let depthwiseForm = BufferTempConvConverter(depthwise: true)

    var className: String { depthwise ? "QuantizedDepthwiseBufferTempConv" : "QuantizedBufferTempConv" }
    var typeName: String { depthwise ? "DepthwiseBufferTempConv" : "BufferTempConv" }

    func patterns(_ target: AkidaTarget) -> [[String]] {
        target == .v2 ? [[className], [className, "QuantizedReLU"]] : []
    }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        var checks = BlockChecks(block, in: graph)
        checks.weightBits("weight_quantizer", allowed: Array(1...8), type: "AssertionError") {
            "\(typeName) layer handles weights with maximum 8 bits. Received: \($0)."
        }
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        let conv = block.root, name = conv.name
        let input = try assembler.inputShape(of: inbounds, layer: name, rank: 3)
        let output = try assembler.outputShape(of: block)
        let bb = conv.configuredBufferBitwidth, oq = block.outputQuantizer
        let slots = conv.config["kernel_size"]?.int ?? 0
        let cin = input[2], outputs = output[2]
        var params: [String: Int] = [
            "activation": block.relu != nil ? 1 : 0, "buffer_bits": bb, "fifo_size": slots,
            "output_bits": oq?.bits ?? bb,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? QuantConfig.defaultBufferBitwidth,
            "weights_bits": conv.weightBits(),
        ]
        if !depthwise { params["filters"] = outputs }
        try assembler.bufferChecks(name, params)

        let w = VariableWriter(layer: name), r = assembler.record(conv)
        let kernel = try assembler.kernel(conv)
        let shape = depthwise ? [1, 1, slots, cin] : [1, 1, slots * cin, outputs]
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints(
                "weights", .int8, shape: shape, w.broadcast("weights", kernel.values, to: shape, fallback: 0)),
            "input_shift": try w.ints("input_shift", .uint8, shape: [cin], from: r.inputShift, fallback: 0),
        ]
        try assembler.setBias(&variables, w, r, channels: outputs)
        if let relu = block.relu { try assembler.setMaxValue(&variables, w, assembler.record(relu), channels: outputs) }
        try assembler.setOutputV2(&variables, w, block, bufferBits: bb, channels: outputs, scales: true)
        let layer = AkidaLayer(
            name: name, type: depthwise ? .depthwiseBufferTempConv : .bufferTempConv, parameters: params,
            variables: variables, inbounds: inbounds, inputShapes: [input], outputShape: output)
        let outputBits = params["output_bits"] ?? bb
        assembler.append(layer, signed: outputBits > 4, outputBits: outputBits)
    }
}
