// Add: a QuantizedAdd becomes an Akida 2.0 Add layer (Akida 1.0 has none: its models are
// sequential).
import AkidaModel
import Quantization

struct AddConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] { target == .v2 ? [["QuantizedAdd"]] : [] }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addAdd(block, inbounds: inbounds)
    }
}

extension AkidaAssembler {
    fileprivate mutating func addAdd(_ block: MatchedBlock, inbounds: [String]) throws {
        let add = block.root, name = add.name
        let inputs = shapes(of: inbounds)
        guard let first = inputs.first else {
            throw ConversionError(
                kind: .structure, layer: name, rule: "inbound-resolution",
                message: "Cannot resolve inbound layers for \(name).",
                fix: "feed '\(name)' from quantized layers only")
        }
        let bb = add.configuredBufferBitwidth, oq = block.outputQuantizer
        let params = [
            "buffer_bits": bb, "output_bits": oq?.bits ?? bb,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? QuantConfig.defaultBufferBitwidth,
        ]
        try bufferChecks(name, params)
        let w = VariableWriter(layer: name), r = record(add), c = first[2]
        var variables: [String: AkidaVariable] = [
            "a_shift": try w.ints("a_shift", .uint8, shape: [c], from: r.aShift, fallback: 0),
            "b_shift": try w.ints("b_shift", .uint8, shape: [c], from: r.bShift, fallback: 0),
        ]
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: c, scales: false)
        append(
            AkidaLayer(
                name: name, type: .add, parameters: params, variables: variables, inbounds: inbounds,
                inputShapes: inputs, outputShape: first),
            signed: true, outputBits: params["output_bits"] ?? bb)
    }
}
