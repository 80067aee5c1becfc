// Concatenate: a QuantizedConcatenate becomes an Akida 2.0 Concatenate layer; its inputs must
// agree in sign and bitwidth.
import AkidaModel
import Quantization

struct ConcatenateConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] { target == .v2 ? [["QuantizedConcatenate"]] : [] }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addConcatenate(block, inbounds: inbounds)
    }
}

extension AkidaAssembler {
    fileprivate mutating func addConcatenate(_ block: MatchedBlock, inbounds: [String]) throws {
        let name = block.root.name
        let facts = inbounds.compactMap { emitted[$0] }
        if Set(facts.map(\.signed)).count > 1 {
            throw engineError(
                name, "All Concatenate inbound layers should produce the same signs",
                fix: "quantize every input of '\(name)' with the same signedness")
        }
        if Set(facts.map(\.outputBits)).count > 1 {
            throw engineError(
                name, "All Concatenate inbound layers should have the same output_bits",
                fix: "quantize every input of '\(name)' with the same bitwidth")
        }
        let output = try outputShape(of: block)
        append(
            AkidaLayer(
                name: name, type: .concatenate, parameters: [:], variables: [:], inbounds: inbounds,
                inputShapes: shapes(of: inbounds), outputShape: output),
            signed: facts.first?.signed ?? true, outputBits: facts.first?.outputBits ?? QuantConfig.defaultBitwidth)
    }
}
