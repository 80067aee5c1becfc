// Dequantizer: becomes an Akida 2.0 Dequantizer layer; on Akida 1.0, which has none, its scales
// fold into the act_step of the last layer when that layer has no activation.
import AkidaModel

struct DequantizerConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] { [["Dequantizer"]] }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        let deq = block.root
        guard deq.inbounds.count > 1 else { return [] }
        return [
            ConversionError(
                kind: .structure, layer: deq.name, rule: "dequantizer-single-inbound",
                message: "Multi-inbounds in \(deq.name) is not supported.",
                fix: "dequantize each branch separately")
        ]
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        switch assembler.target {
        case .v2: try assembler.addDequantizer(block, inbounds: inbounds)
        case .v1: try assembler.foldDequantizerV1(block)
        }
    }
}

extension AkidaAssembler {
    fileprivate func dequantizerScales(_ deq: QuantizedKerasLayer, channels: Int) throws -> [Float] {
        let r = record(deq)
        let frac = r.fracBits ?? [0]
        let scales = r.scales ?? [1]
        let n = max(frac.count, scales.count)
        guard
            (frac.count == 1 || frac.count == n) && (scales.count == 1 || scales.count == n)
                && (n == 1 || n == channels)
        else {
            throw ConversionError(
                kind: .engine, layer: deq.name, rule: "variable-shape",
                message: "cannot broadcast dequantizer scales of size \(n) to \(channels) channels",
                fix: "re-quantize the model", referenceType: "ValueError")
        }
        return (0..<channels).map { i in
            let s = scales.count == 1 ? scales[0] : scales[i]
            let f = frac.count == 1 ? frac[0] : frac[i]
            return s / Float(pow2(f))
        }
    }

    fileprivate mutating func addDequantizer(_ block: MatchedBlock, inbounds: [String]) throws {
        let deq = block.root
        guard let input = shapes(of: inbounds).first else {
            throw ConversionError(
                kind: .structure, layer: deq.name, rule: "inbound-resolution",
                message: "Cannot resolve inbound layers for \(deq.name).", fix: "dequantize a quantized layer")
        }
        let w = VariableWriter(layer: deq.name)
        let scales = try dequantizerScales(deq, channels: input[2])
        append(
            AkidaLayer(
                name: deq.name, type: .dequantizer, parameters: [:],
                variables: ["scales": try w.floats("scales", shape: [input[2]], scales)],
                inbounds: inbounds, inputShapes: [input], outputShape: input),
            signed: true, outputBits: 32)
    }

    /// Akida 1.0 has no Dequantizer layer: its scales fold into the last layer's act_step when that
    /// layer has no activation.
    fileprivate mutating func foldDequantizerV1(_ block: MatchedBlock) throws {
        guard let index = layers.indices.last, emitted[layers[index].name]?.activation == false,
            let actStep = layers[index].variables["act_step"]
        else { return }
        let scales = try dequantizerScales(block.root, channels: actStep.shape.reduce(1, *))
        let values = zip(actStep.floats, scales).map { $0 / $1 }
        layers[index].variables["act_step"] = try VariableWriter(layer: layers[index].name)
            .floats("act_step", shape: actStep.shape, values)
    }
}
