// Assembler: builds the Akida model block by block: resolves each block's inbounds through the
// layers that vanish into blocks, inserts InputData where the model needs one, and hands each
// block to its converter, which adds the block's Akida layer with every parameter and variable.
import AkidaModel
import Foundation
import Quantization

/// Akida-side facts about an added layer that later layers depend on.
struct Emitted {
    var signed: Bool
    var outputBits: Int
    var activation: Bool
}

struct AkidaAssembler {
    let graph: QuantizedKerasGraph
    let records: QuantizationRecord
    let target: AkidaTarget
    var layers: [AkidaLayer] = []
    private(set) var emitted: [String: Emitted] = [:]

    init(graph: QuantizedKerasGraph, records: QuantizationRecord, target: AkidaTarget) {
        self.graph = graph
        self.records = records
        self.target = target
    }

    func layer(named name: String) -> AkidaLayer? { layers.first { $0.name == name } }

    // MARK: inbounds

    /// Keras layers that never name an Akida layer: the walk to a block's inbound steps over them.
    private static let transparent: Set<String> = [
        "QuantizedDropout", "QuantizedFlatten", "QuantizedReshape", "QuantizedRescaling", "QuantizedReLU",
        "QuantizedMaxPool2D", "QuantizedGlobalAveragePooling2D", "QuantizedActivation", "InputLayer",
    ]

    private func resolveInbounds(_ root: QuantizedKerasLayer) throws -> [String] {
        var names: [String] = []
        for start in root.inbounds {
            var current = graph.layer(start)
            while let c = current, Self.transparent.contains(c.className) {
                current = c.inbounds.first.flatMap { graph.layer($0) }
            }
            if let c = current {
                guard layer(named: c.name) != nil else {
                    throw ConversionError(
                        kind: .structure, layer: root.name, rule: "inbound-resolution",
                        message: "Cannot resolve inbound layers for \(root.name).",
                        fix:
                            "'\(c.name)' produces no Akida layer; make sure every branch feeding '\(root.name)' ends "
                            + "with a convertible block"
                    )
                }
                names.append(c.name)
            } else if let input = layers.first(where: { $0.type == .inputData }) {
                names.append(input.name)
            } else if root.inbounds.count > 1 {
                throw ConversionError(
                    kind: .structure, layer: root.name, rule: "inbound-resolution",
                    message: "Cannot resolve inbound layers for \(root.name).",
                    fix: "feed '\(root.name)' from quantized layers only")
            }
        }
        return names
    }

    mutating func append(_ l: AkidaLayer, signed: Bool, outputBits: Int, activation: Bool = false) {
        layers.append(l)
        emitted[l.name] = Emitted(signed: signed, outputBits: outputBits, activation: activation)
    }

    func shapes(of inbounds: [String]) -> [[Int]] {
        inbounds.compactMap { layer(named: $0)?.outputShape }
    }

    /// The Akida shape of a block's first input (of `rank` dimensions when given); the error names
    /// `layer`.
    func inputShape(of inbounds: [String], layer: String, rank: Int? = nil) throws -> [Int] {
        guard let input = shapes(of: inbounds).first, rank == nil || input.count == rank else {
            throw ConversionError(
                kind: .structure, layer: layer, rule: "shape-inference",
                message: "cannot infer the input shape of \(layer)", fix: "check the model configuration",
                referenceType: "ValueError")
        }
        return input
    }

    /// Keras output shape of a block, as the 3-D Akida shape.
    func outputShape(of block: MatchedBlock) throws -> [Int] {
        guard let last = block.layers.last, let shape = graph.shape(last.name) else {
            throw ConversionError(
                kind: .structure, layer: block.main.name, rule: "shape-inference",
                message: "cannot infer the output shape of \(block.main.name)",
                fix: "check the layer configuration in the model file", referenceType: "ValueError")
        }
        return try pad3(shape, layer: block.main.name)
    }

    func pad3(_ shape: [Int], layer: String) throws -> [Int] {
        guard shape.count <= 3 else {
            throw ConversionError(
                kind: .structure, layer: layer, rule: "input-rank",
                message: "input shape must not exceed 3 dimensions.Receives \(pythonTuple(shape.map { Optional($0) }))",
                fix: "reshape to (height, width, channels) or (features,)", referenceType: "ValueError")
        }
        return Array(repeating: 1, count: 3 - shape.count) + shape
    }

    // MARK: blocks

    mutating func add(_ block: MatchedBlock) throws {
        var inbounds = try resolveInbounds(block.root)
        if !block.isInput && (layers.isEmpty || (inbounds.count == 1 && layer(named: inbounds[0])?.type == .quantizer))
        {
            inbounds = [try addInputData(after: inbounds)]
        }
        try block.converter.build(block, inbounds: inbounds, into: &self)
    }

    /// Stands in for a block that could not be built, so that a compatibility report can go on
    /// checking the blocks after it as if it had been fixed. `main` names the Akida layer.
    mutating func addStandIn(_ blockLayers: [QuantizedKerasLayer], main: QuantizedKerasLayer) {
        let name = main.name
        guard layer(named: name) == nil, let last = blockLayers.last, let shape = graph.shape(last.name),
            let output = try? pad3(shape, layer: name)
        else { return }
        let inbounds = ((try? resolveInbounds(blockLayers[0])) ?? []).filter { layer(named: $0) != nil }
        let inputs = shapes(of: inbounds)
        append(
            AkidaLayer(
                name: name, type: target == .v1 ? .convolutional : .conv2D, parameters: [:], variables: [:],
                inbounds: inbounds, inputShapes: inputs.isEmpty ? [output] : inputs, outputShape: output),
            signed: target == .v2, outputBits: last.outputQuantizer?.bits ?? QuantConfig.defaultBitwidth,
            activation: blockLayers.contains { $0.className == "QuantizedReLU" })
    }

    /// Takes over layers built elsewhere (the legacy path), for the Akida 1.0 post-processing.
    mutating func replaceLayers(_ built: [AkidaLayer]) {
        layers = built
        for l in built {
            emitted[l.name] = Emitted(
                signed: false, outputBits: l.parameters["act_bits"] ?? 1,
                activation: l.parameters["activation"] == 1)
        }
    }

    func record(_ l: QuantizedKerasLayer) -> RecordedLayer { records[l.name] }

    func kernel(_ l: QuantizedKerasLayer, _ key: String = "kernel") throws -> IntTensor {
        guard let w = record(l).weights[key] else {
            throw ConversionError(
                kind: .invalidArgument, layer: l.name, rule: "missing-weights",
                message: "no quantized \(key) recorded for \(l.name)",
                fix: "the quantized model lacks this layer's weights; re-quantize it", referenceType: "ValueError")
        }
        return w
    }
}

/// 2^x for the (integral) exponents of fractional bits and shifts.
func pow2(_ x: Double) -> Double { Foundation.pow(2.0, x) }

/// numpy's repr of a small integer array: `[1 2 3]`, or a bare scalar.
func numpyArray(_ values: [Int64]) -> String {
    values.count == 1 ? "\(values[0])" : "[" + values.map(String.init).joined(separator: " ") + "]"
}
