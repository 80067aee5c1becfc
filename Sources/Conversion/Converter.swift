// Converter: the public entry points — convert a quantized graph (with its recorded integer
// quantities) into an Akida model for one target, with the reference's warnings.
import AkidaModel

/// The result of a conversion: the Akida model and the warnings the reference would print.
public struct ConversionOutput: Sendable {
    public var model: AkidaModel
    public var warnings: [String]
}

public enum Converter {
    /// Converts a quantized graph whose recorded quantities are given. Throws the first problem the
    /// reference would raise, in its order: model checks, block splitting, block patterns and
    /// their checks, then each block's construction (these errors name the whole block).
    public static func convert(
        graph: QuantizedKerasGraph, records: QuantizationRecord, target: AkidaTarget
    ) throws -> ConversionOutput {
        let plan = try plan(graph: graph, target: target)
        var assembler = AkidaAssembler(graph: graph, records: records, target: target)
        for block in plan.blocks {
            do {
                try assembler.add(block)
            } catch let error as ConversionError {
                throw error.wrapped(in: block.layers)
            }
        }
        var warnings = plan.warnings
        if target == .v1 { warnings += try assembler.equalizeV1ActSteps() }
        let layers = assembler.layers
        guard let first = layers.first, let last = layers.last else {
            throw ConversionError(
                kind: .structure, layer: nil, rule: "only-skippable-layers",
                message: "Cannot convert model with only skippable layers.",
                fix: "quantize the model first: only QuantizeML layers become Akida layers")
        }
        let v1Types: Set<AkidaLayerType> = [
            .inputConvolutional, .convolutional, .separableConvolutional, .fullyConnected,
        ]
        let ip: AkidaIPVersion =
            layers.contains { v1Types.contains($0.type) }
            ? .v1 : layers.contains { $0.type == .statefulRecurrent } ? .pico : .v2
        let model = try AkidaModel(
            ipVersion: ip, layers: layers, inputShape: first.inputShapes.first ?? first.outputShape,
            outputShape: last.outputShape)
        return ConversionOutput(model: model, warnings: warnings)
    }

    /// The matched blocks of a model, after the checks that precede construction.
    struct Plan {
        var blocks: [MatchedBlock]
        var warnings: [String]
    }

    static func plan(graph: QuantizedKerasGraph, target: AkidaTarget) throws -> Plan {
        if let problem = graph.globalProblems(target: target).first { throw problem }
        var splitProblems: [ConversionError] = []
        let (blocks, dropped) = graph.splitIntoBlocks(target: target, problems: &splitProblems)
        if let problem = splitProblems.first { throw problem }
        var matched: [MatchedBlock] = []
        for block in blocks {
            let significant = graph.significantLayers(block)
            guard !significant.isEmpty else { continue }
            guard let m = graph.match(significant, previous: matched, target: target) else {
                throw graph.invalidBlockError(significant, target: target)
            }
            if let problem = m.converter.check(m, in: graph, target: target).first { throw problem }
            matched.append(m)
        }
        return Plan(blocks: matched, warnings: dropped.isEmpty ? [] : [stopWarning(graph: graph, dropped: dropped)])
    }

    /// The reference's warning when layers after the first Dequantizer are left out.
    static func stopWarning(graph: QuantizedKerasGraph, dropped: [QuantizedKerasLayer]) -> String {
        let deqIndex = graph.layers.firstIndex { $0.className == "Dequantizer" } ?? 0
        let atLayer = deqIndex > 0 ? " at layer \(graph.layers[deqIndex - 1].name)" : ""
        let rule = "==================================================="
        var table = "___________________________________________________\nLayer (type)\n\(rule)\n"
        for l in dropped { table += "\(l.name) (\(l.className))\n" }
        table += "\(rule)\n"
        return
            "Conversion stops \(atLayer) because of a dequantizer. The end of the model is ignored:\n \(table). \n "
            + "This can be expected for model heads (e.g. softmax for classification) but could also mean that "
            + "processing layers were not quantized."
    }
}
