// Blocks: the model-wide checks and the splitting of a quantized graph into blocks — chains of
// Keras layers that each become one Akida layer — following the reference's walk from the output
// back to the input, and the partition of a block into skippable and significant layers.
import Quantization

/// Classes that never produce an Akida layer of their own.
let skippableClasses: Set<String> = [
    "InputLayer", "Rescaling", "QuantizedRescaling", "Activation", "Softmax", "Dropout", "QuantizedDropout",
]

/// Python's repr of a list of strings: `['a', 'b']`.
func pythonList(_ names: [String]) -> String {
    "[" + names.map { "'\($0)'" }.joined(separator: ", ") + "]"
}

/// Python's repr of a tuple of ints: `(2, 2)`, `(None, 8)`.
func pythonTuple(_ values: [Int?]) -> String {
    let items = values.map { $0.map(String.init) ?? "None" }
    return items.count == 1 ? "(\(items[0]),)" : "(" + items.joined(separator: ", ") + ")"
}

extension QuantizedKerasGraph {
    /// Model-level checks in the reference's order; each element is one problem.
    func globalProblems(target: AkidaTarget) -> [ConversionError] {
        var problems: [ConversionError] = []
        if layers.allSatisfy({ skippableClasses.contains($0.className) || $0.className == "Dequantizer" }) {
            problems.append(
                ConversionError(
                    kind: .structure, layer: nil, rule: "only-skippable-layers",
                    message: "Cannot convert model with only skippable layers.",
                    fix:
                        "quantize the model first: only QuantizeML layers (QuantizedConv2D, QuantizedDense, ...) "
                        + "become Akida layers"
                ))
        }
        if inputNames.count > 1 {
            problems.append(
                ConversionError(
                    kind: .structure, layer: nil, rule: "single-input",
                    message: "Model must have only one input layer. Receives inputs \(pythonList(inputNames)).",
                    fix: "Akida models take a single input; split the model or merge its inputs before quantization"))
        }
        if outputNames.count != 1 {
            problems.append(
                ConversionError(
                    kind: .structure, layer: nil, rule: "single-output",
                    message: "Model must have only one output layer. Receivesoutputs \(pythonList(outputNames)).",
                    fix: "keep a single output: convert each head as its own model"))
        }
        // A model with a stateful recurrent layer takes (timesteps, channels) sequences.
        let sequenceInput = layers.contains { StatefulLayerClasses.contains($0.className) }
        if let shape = modelInputShape, shape.count != 1 && shape.count != 3 && !(sequenceInput && shape.count == 2) {
            problems.append(
                ConversionError(
                    kind: .structure, layer: inputNames.first, rule: "input-rank",
                    message:
                        "Input shape of model must be 2-D or 4-D (batch size + 1-D or 3-D tensors). Receives input "
                        + "shape \(pythonTuple([nil] + shape.map { Optional($0) })).",
                    fix: shape.count == 2
                        ? "a (timesteps, channels) sequence converts only into StatefulRecurrent layers: make a "
                            + "recurrent TENN stateful (akida_models' convert_to_stateful) before quantizing it, or "
                            + "reshape the input to (features,) or (height, width, channels)"
                        : "reshape the input to (features,) or (height, width, channels)"))
        }
        for l in layers where l.config["data_format"]?.string == "channels_first" {
            problems.append(
                ConversionError(
                    kind: .structure, layer: l.name, rule: "channels-last",
                    message: "Unsupported data format 'channels_first' in layer '\(l.name)'.",
                    fix: "build the model with data_format='channels_last'"))
        }
        for l in layers {
            if let d = l.pair("dilation_rate"), d != [1, 1] {
                problems.append(
                    ConversionError(
                        kind: .structure, layer: l.name, rule: "no-dilation",
                        message: "Unsupported dilation rate \(pythonTuple(d)) in layer '\(l.name)'.",
                        fix: "use dilation_rate=1; Akida has no dilated convolutions", referenceType: "ValueError"))
            }
        }
        if target == .v1 {
            for l in layers
            where !l.inbounds.isEmpty && l.className != "QuantizedConcatenate" && l.className != "Concatenate" {
                if l.inbounds.count != 1 {
                    problems.append(
                        ConversionError(
                            kind: .structure, layer: l.name, rule: "v1-single-inbound",
                            message: "Layer \(l.name) must have only one inbound layer. Receives \(l.inbounds.count).",
                            fix:
                                "Akida 1.0 only runs sequential models: remove residual connections (\(l.className)) "
                                + "or target Akida 2.0"
                        ))
                }
            }
        }
        return problems
    }

    /// Splits the model into blocks, input to output. The first Dequantizer ends the model; the
    /// layers after it are returned separately (they stay in float and are not converted).
    /// On v1, `problems` collects the pairs of layers that cannot share or end a block.
    func splitIntoBlocks(
        target: AkidaTarget, problems: inout [ConversionError]
    ) -> (blocks: [[QuantizedKerasLayer]], dropped: [QuantizedKerasLayer]) {
        var kept = layers
        var dropped: [QuantizedKerasLayer] = []
        var blocks: [[QuantizedKerasLayer]] = []
        if let deq = layers.firstIndex(where: { $0.className == "Dequantizer" }) {
            kept = Array(layers[..<deq])
            dropped = Array(layers[(deq + 1)...])
            let dequantizer = layers[deq]
            let producers = dequantizer.inbounds.compactMap { layer($0) }
            if !(producers.count == 1 && producers[0].className == "QuantizedPicoPostProcessing") {
                blocks.append([dequantizer])
            }
        }
        var taken = Set(blocks.joined().map(\.name))
        for l in kept.reversed() {
            if isEndOfBlock(l, blocks: blocks) {
                let block = target == .v1 ? searchV1(l, problems: &problems) : searchV2(l)
                blocks.append(block)
                taken.formUnion(block.map(\.name))
            } else if !taken.contains(l.name) {
                problems.append(
                    ConversionError(
                        kind: .structure, layer: l.name, rule: "block-membership",
                        message: "Impossible to append \(l.name) into a block.",
                        fix:
                            "layer '\(l.name)' feeds a layer of another branch in the middle of a block; insert a "
                            + "layer that ends a block (with an output quantizer) after it"
                    ))
            }
        }
        return (blocks.reversed(), dropped)
    }

    private func isEndOfBlock(_ l: QuantizedKerasLayer, blocks: [[QuantizedKerasLayer]]) -> Bool {
        if blocks.isEmpty { return true }
        let outs = outbounds(l.name)
        if outs.count != 1 { return true }
        return blocks.contains { $0.first?.name == outs[0] }
    }

    private func searchV2(_ target: QuantizedKerasLayer) -> [QuantizedKerasLayer] {
        guard target.inbounds.count == 1, let previous = layer(target.inbounds[0]) else { return [target] }
        if let oq = previous.outputQuantizer, oq.bits < 9 { return [target] }
        if previous.inbounds.count > 1 { return [target] }
        if previous.className == "QuantizedExtractToken" && previous.config["axis"]?.int == 1 { return [target] }
        if previous.className == "InputQuantizer" { return [target] }
        return searchV2(previous) + [target]
    }

    private func searchV1(_ target: QuantizedKerasLayer, problems: inout [ConversionError]) -> [QuantizedKerasLayer] {
        guard let first = target.inbounds.first, let previous = layer(first) else { return [target] }
        if previous.outputQuantizer != nil {
            if previous.className != "QuantizedReLU" {
                problems.append(
                    ConversionError(
                        kind: .structure, layer: previous.name, rule: "v1-block-boundary",
                        message:
                            "Model incompatible with akida v1 version. The layer \(previous.name) followed by "
                            + "\(target.name) is not valid.",
                        fix:
                            "on Akida 1.0 only a ReLU may end a block (carry an output quantizer): quantize "
                            + "'\(previous.name)' (\(previous.className)) without output quantizer, end the "
                            + "block with a bounded ReLU, or target Akida 2.0"
                    ))
            }
            return [target]
        }
        if previous.className == "InputQuantizer" { return [target] }
        return searchV1(previous, problems: &problems) + [target]
    }

    /// The layers of a block that must match a pattern (skippable ones removed).
    func significantLayers(_ block: [QuantizedKerasLayer]) -> [QuantizedKerasLayer] {
        block.filter { l in
            if skippableClasses.contains(l.className) { return false }
            if l.className == "QuantizedReshape" {
                let squeeze: ([Int]?) -> [Int]? = { $0?.filter { $0 != 1 } }
                return squeeze(inputShape(l)) != squeeze(shape(l.name))
            }
            return true
        }
    }
}
