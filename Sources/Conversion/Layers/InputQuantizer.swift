// InputQuantizer: the InputQuantizer block becomes an Akida Quantizer layer (both targets); a
// model whose first block is no input layer starts with an InputData layer, inserted after the
// Quantizer or at a bare integer input.
import AkidaModel

struct InputQuantizerConverter: BlockConverter {
    var isInputLayer: Bool { true }

    func patterns(_ target: AkidaTarget) -> [[String]] { [["InputQuantizer"]] }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addQuantizer(block)
    }
}

extension AkidaAssembler {
    fileprivate mutating func addQuantizer(_ block: MatchedBlock) throws {
        let q = block.root
        guard let keras = graph.inputShape(q) else {
            throw ConversionError(
                kind: .structure, layer: q.name, rule: "shape-inference",
                message: "cannot infer the input shape of \(q.name)", fix: "check the model input",
                referenceType: "ValueError")
        }
        let shape = try pad3(keras, layer: q.name)
        let bits = q.inputQuantizerBits, signed = q.inputQuantizerSigned
        guard bits == 4 || bits == 8 else {
            throw ConversionError(
                kind: .engine, layer: q.name, rule: "quantizer-bits",
                message: "The parameter bitwidth should be 4 or 8.",
                fix: "quantize the input with 4 or 8 bits", referenceType: "ValueError")
        }
        let w = VariableWriter(layer: q.name), r = record(q), c = shape[2]
        let fracBits = r.fracBits ?? [0]
        guard fracBits.count == 1 || fracBits.count == c else {
            throw ConversionError(
                kind: .engine, layer: q.name, rule: "variable-shape",
                message: "cannot broadcast \(fracBits.count) input scales to \(c) channels",
                fix: "re-quantize the model",
                referenceType: "ValueError")
        }
        let scales = (0..<c).map { Float(pow2(fracBits.count == 1 ? fracBits[0] : fracBits[$0])) }
        let variables = [
            "scales": try w.floats("scales", shape: [c], scales),
            "zero_points": try w.ints("zero_points", .uint8, shape: [c], from: r.zeroPoints, fallback: 0),
        ]
        let params = [
            "channels_first": 0, "input_channels": c, "input_height": shape[1], "input_width": shape[0],
            "output_bits": bits, "output_signed": signed ? 1 : 0,
        ]
        append(
            AkidaLayer(
                name: q.name, type: .quantizer, parameters: params, variables: variables, inbounds: [],
                inputShapes: [shape], outputShape: shape), signed: signed, outputBits: bits)
    }

    /// InputData after a Quantizer (unnamed: akida names it `InputData_<position>`) or, in an empty
    /// model, from the Keras input tensor.
    mutating func addInputData(after inbounds: [String]) throws -> String {
        let shape: [Int], bits: Int, name: String
        if let qName = inbounds.first, let q = layer(named: qName), let facts = emitted[qName] {
            shape = q.outputShape
            bits = facts.outputBits
            name = "InputData_\(layers.count + 1)"
            if AkidaLayer.isSignedInput(bits: bits) != facts.signed {
                throw ConversionError(
                    kind: .engine, layer: qName, rule: "input-sign",
                    message: "InputData sign incompatible with previous layer.",
                    fix:
                        "the first layer after '\(qName)' is no Akida input layer, so it needs a signed input: "
                        + "quantize the input as signed (input_dtype='int8'), or start the model with a "
                        + "Conv2D+ReLU on 1 or 3 channels"
                )
            }
        } else {
            guard let inputName = graph.inputNames.first, let keras = graph.modelInputShape else {
                throw ConversionError(
                    kind: .structure, layer: nil, rule: "model-input",
                    message: "the model has no input layer", fix: "save the model with its Input layer")
            }
            let dtype = graph.modelInputDType
            if dtype.hasPrefix("uint") || dtype == "bool" {
                throw ConversionError(
                    kind: .parameter, layer: inputName, rule: "signed-input",
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
        let signed = AkidaLayer.isSignedInput(bits: bits)
        let params = [
            "input_bits": bits, "input_channels": shape[2], "input_height": shape[1],
            "input_signed": signed ? 1 : 0, "input_width": shape[0],
        ]
        append(
            AkidaLayer(
                name: name, type: .inputData, parameters: params, variables: [:], inbounds: inbounds,
                inputShapes: [shape], outputShape: shape),
            signed: signed, outputBits: bits)
        return name
    }

}
