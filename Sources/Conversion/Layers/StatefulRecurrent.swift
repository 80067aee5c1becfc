// StatefulRecurrent: QuantizeML's recurrent TENN block — StatefulProjection (input projection),
// StatefulRecurrent, ExtractToken (real part), StatefulProjection (output projection, optional
// subsampling), optional ReLU — becomes one Akida 2.0 StatefulRecurrent layer (IP "pico").
import AkidaModel
import Quantization

struct StatefulRecurrentConverter: BlockConverter {
    static let chain = [
        "QuantizedStatefulProjection", "QuantizedStatefulRecurrent", "QuantizedExtractToken",
        "QuantizedStatefulProjection",
    ]

    func patterns(_ target: AkidaTarget) -> [[String]] {
        target == .v2 ? [Self.chain + ["QuantizedReLU"], Self.chain] : []
    }

    /// The Akida layer takes the output projection's name.
    func mainLayer(of layers: [QuantizedKerasLayer]) -> QuantizedKerasLayer { layers[3] }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        let (input, output) = (block.layers[0], block.layers[3])
        var problems: [ConversionError] = []
        func refuse(_ rule: String, _ message: String, _ fix: String) {
            problems.append(
                ConversionError(
                    kind: .invalidArgument, layer: input.name, rule: rule, message: message, fix: fix,
                    referenceType: "AssertionError"))
        }
        if input.outputQuantizer != nil {
            refuse(
                "stateful-input-projection", "input_proj must not have output quantizer",
                "quantize without an output_quantizer on \(input.name)")
        }
        if input.useBias {
            refuse(
                "stateful-input-projection", "input_proj must not use bias", "build \(input.name) with use_bias=False")
        }
        if input.configuredBufferBitwidth != output.configuredBufferBitwidth {
            refuse(
                "stateful-buffer-bits", "input_proj and output_proj buffer bits must match",
                "give \(input.name) and \(output.name) the same buffer_bitwidth")
        }
        if (input.config["subsample"]?.int ?? 1) != 1 {
            refuse(
                "stateful-input-projection", "input_proj must have subsample=1",
                "subsample on the output projection only")
        }
        return problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addStatefulRecurrent(block, inbounds: inbounds)
    }
}

extension AkidaAssembler {
    fileprivate mutating func addStatefulRecurrent(_ block: MatchedBlock, inbounds: [String]) throws {
        let (inputProj, recurrent, outputProj) = (block.layers[0], block.layers[1], block.layers[3])
        let name = outputProj.name
        let input = try inputShape(of: inbounds, layer: name)
        let output = try outputShape(of: block)
        let inProj = try kernel(inputProj), outProj = try kernel(outputProj), a = try kernel(recurrent)
        let (channels, units) = (inProj.shape.last ?? 0, outProj.shape.last ?? 0)
        let inChannels = input[2]
        let relu = block.relu, oq = block.outputQuantizer
        let bb = inputProj.neuralBufferBits
        let pob = oq?.bufferBitwidth ?? QuantConfig.defaultBufferBitwidth
        let outputBits = oq?.bits ?? (relu != nil || outputProj.useBias ? pob : bb)
        let params: [String: Int] = [
            "activation": relu != nil ? 1 : 0, "buffer_bits": bb, "internal_state_bits": 16,
            "output_bits": outputBits, "output_channels": units, "post_op_buffer_bits": pob,
            "stateful_channels": channels, "subsample": outputProj.config["subsample"]?.int ?? 1,
        ]
        try bufferChecks(name, params)
        let w = VariableWriter(layer: name)
        let (rIn, rRec) = (record(inputProj), record(recurrent))
        var variables: [String: AkidaVariable] = [
            "in_proj": try w.ints("in_proj", .int8, shape: [inChannels, channels], inProj.values),
            "input_shift": try w.ints("input_shift", .uint8, shape: [inChannels], from: rIn.inputShift, fallback: 0),
            "A_real": try w.ints("A_real", .int16, shape: [channels], Array(a.values.prefix(channels))),
            "A_imag": try w.ints("A_imag", .int16, shape: [channels], Array(a.values.dropFirst(channels))),
            "new_state_scale": try w.ints(
                "new_state_scale", .uint8, shape: [channels], from: rRec.newStateScale, fallback: 1),
            "new_state_shift": try w.ints(
                "new_state_shift", .int8, shape: [channels], from: rRec.newStateShift, fallback: 0),
            "internal_state_outputs_shift": try w.ints(
                "internal_state_outputs_shift", .int8, shape: [channels], from: rRec.outputShift, fallback: 0),
            "out_proj": try w.ints("out_proj", .int8, shape: [channels, units], outProj.values),
        ]
        try setBias(&variables, w, record(outputProj), channels: units)
        if let relu { try setMaxValue(&variables, w, record(relu), channels: units) }
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: units, scales: true)
        append(
            AkidaLayer(
                name: name, type: .statefulRecurrent, parameters: params, variables: variables, inbounds: inbounds,
                inputShapes: [input], outputShape: output),
            signed: outputBits > 4, outputBits: outputBits)
    }
}
