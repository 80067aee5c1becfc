// Dense: a dense layer (after an optional Reshape/Flatten, with optional ReLU) becomes an Akida
// 2.0 Dense1D or an Akida 1.0 FullyConnected layer.
import AkidaModel
import Quantization

struct DenseConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] {
        [
            ["QuantizedDense"], ["QuantizedDense", "QuantizedReLU"], ["QuantizedFlatten", "QuantizedDense"],
            ["QuantizedFlatten", "QuantizedDense", "QuantizedReLU"], ["QuantizedReshape", "QuantizedDense"],
            ["QuantizedReshape", "QuantizedDense", "QuantizedReLU"],
            ["QuantizedReshape", "QuantizedFlatten", "QuantizedDense"],
            ["QuantizedReshape", "QuantizedFlatten", "QuantizedDense", "QuantizedReLU"],
        ]
    }

    func mainLayer(of layers: [QuantizedKerasLayer]) -> QuantizedKerasLayer {
        layers.first { $0.className == "QuantizedDense" } ?? layers[0]
    }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        var checks = BlockChecks(block, in: graph)
        checks.denseFlatInput()
        if target == .v1, let last = block.layers.last, last.className == "QuantizedReLU" {
            checks.append(contentsOf: BlockChecks.v1ReluProblems(last))
        }
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        switch assembler.target {
        case .v2: try assembler.addDenseV2(block, inbounds: inbounds)
        case .v1: try assembler.addDenseV1(block, inbounds: inbounds)
        }
    }
}

extension AkidaAssembler {
    /// Input and output shapes of a dense block (Akida 3-D shapes).
    fileprivate func denseShapes(_ block: MatchedBlock, inbounds: [String]) throws -> (input: [Int], output: [Int]) {
        (try inputShape(of: inbounds, layer: block.main.name), try outputShape(of: block))
    }

    fileprivate mutating func addDenseV2(_ block: MatchedBlock, inbounds: [String]) throws {
        let dense = block.main, name = dense.name
        let (input, output) = try denseShapes(block, inbounds: inbounds)
        let units = output[2], features = input.reduce(1, *)
        let bb = dense.neuralBufferBits, oq = block.outputQuantizer
        let relu = block.layers.last?.className == "QuantizedReLU" ? block.layers.last : nil
        let params: [String: Int] = [
            "activation": relu != nil ? 1 : 0, "buffer_bits": bb, "output_bits": oq?.bits ?? bb,
            "post_op_buffer_bits": oq?.bufferBitwidth ?? QuantConfig.defaultBufferBitwidth, "units": units,
            "weights_bits": dense.weightBits(),
        ]
        try bufferChecks(name, params)
        let w = VariableWriter(layer: name), r = record(dense)
        let kernel = try kernel(dense)
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints(
                "weights", .int8, shape: [features, units],
                w.broadcast("weights", kernel.values, to: [features, units], fallback: 0)),
            "input_shift": try w.ints("input_shift", .uint8, shape: [features], from: r.inputShift, fallback: 0),
        ]
        try setBias(&variables, w, r, channels: units)
        if let relu { try setMaxValue(&variables, w, record(relu), channels: units) }
        try setOutputV2(&variables, w, block, bufferBits: bb, channels: units, scales: true)
        append(
            AkidaLayer(
                name: name, type: .dense1D, parameters: params, variables: variables, inbounds: inbounds,
                inputShapes: [input], outputShape: output),
            signed: (params["output_bits"] ?? bb) > 4, outputBits: params["output_bits"] ?? bb)
    }

    fileprivate mutating func addDenseV1(_ block: MatchedBlock, inbounds: [String]) throws {
        let dense = block.main, name = dense.name
        let (input, output) = try denseShapes(block, inbounds: inbounds)
        let units = output[2], features = input.reduce(1, *)
        let bits = dense.weightBits()
        if ![1, 2, 4].contains(bits) {
            throw ConversionError(
                kind: .parameter, layer: name, rule: "weight-bits",
                message:
                    "FullyConnected layer only supports 1, 2 or 4 weight bits value.                               "
                    + "Received weight_bits=\(bits).",
                fix: "quantize the weights of '\(name)' with 1, 2 or 4 bits", referenceType: "ValueError")
        }
        var params = ["act_bits": 1, "activation": 0, "units": units, "weights_bits": bits]
        if let relu = block.layers.last, relu.className == "QuantizedReLU" {
            params["activation"] = 1
            params["act_bits"] = relu.outputQuantizer?.bits ?? 1
        }
        let w = VariableWriter(layer: name), r = record(dense)
        let kernel = try kernel(dense)
        var values = kernel.values
        if let first = block.layers.first, let blockInput = graph.inputShape(first),
            let denseInput = graph.inputShape(dense),
            blockInput != denseInput
        {
            guard blockInput.count == 3 else {
                throw ConversionError(
                    kind: .structure, layer: name, rule: "dense-flat-input",
                    message: "not enough values to unpack (expected 4, got \(blockInput.count + 1))",
                    fix: "flatten a (height, width, channels) tensor before '\(name)'", referenceType: "ValueError")
            }
            values = KernelOps.columnMajorDense(kernel, d0: blockInput[0], d1: blockInput[1], c: blockInput[2])
        }
        var variables: [String: AkidaVariable] = [
            "weights": try w.ints(
                "weights", .int8, shape: [1, 1, features, units],
                w.broadcast("weights", values, to: [1, 1, features, units], fallback: 0))
        ]
        let threshold = try w.broadcast("threshold", r.bias?.values.map { -$0 }, to: [units], fallback: 0)
        try setOutputV1(&variables, w, block, threshold: threshold, params: params, channels: units)
        append(
            AkidaLayer(
                name: name, type: .fullyConnected, parameters: params, variables: variables, inbounds: inbounds,
                inputShapes: [input], outputShape: output),
            signed: false, outputBits: params["act_bits"] ?? 1, activation: params["activation"] == 1)
    }
}
