// Compilation of an AkidaModel into simulation steps: each layer's registry type checks it against
// its inputs and builds its step; this file checks what every layer shares (inbounds, the model
// input, the declared output shape) and defines the step interface the simulator runs.
import Tensors

/// One compiled layer: its place in the graph, its output, and the step that computes it.
struct CompiledLayer {
    var name: String
    var inbounds: [Int]
    var step: any LayerStep
    var outShape: [Int]
    var outDType: AkidaOutputDType
    var outCount: Int { outShape.reduce(1, *) }
}

/// Element type of a layer output, as akida returns it.
public enum AkidaOutputDType: String, Sendable, Equatable {
    case uint8, int8, int16, int32, float32
}

/// What the simulator runs for one layer on one sample.
protocol LayerStep {
    /// Writes the layer's output for the current sample into `io`.
    func run(_ io: StepIO) throws
    /// The input dtypes (and value range) accepted when this is the model's first layer (7.1).
    var inputRule: InputRule { get }
    /// What `predict` makes of this layer's output when it is the last one.
    var prediction: Prediction { get }
    /// A fresh state when the layer keeps one across samples and calls (see SimulationState.swift).
    func makeState() -> LayerState?
}

extension LayerStep {
    var inputRule: InputRule { InputRule(dtypes: [.uint8], range: nil) }
    var prediction: Prediction { .unavailable }
    func makeState() -> LayerState? { nil }
}

struct InputRule {
    var dtypes: [DType]
    var range: ClosedRange<Int64>?
}

enum Prediction {
    case unavailable
    /// The forward output is already the float prediction (Dequantizer).
    case identity
    /// Akida 1.0 potentials without activation: (p − threshold) / act_step per channel.
    case potentials(threshold: [Int64], actStep: [Float])
}

/// The buffers of one layer's step on one sample.
struct StepIO {
    let workspace: Workspace
    let index: Int
    let layer: CompiledLayer
    /// The first inbound's output, or the sample's integers for an input layer.
    let input: UnsafeBufferPointer<Int32>?
    /// The sample's floats, when the batch is float32.
    let floats: UnsafeBufferPointer<Float>?
    /// The layer's state when it is stateful (its step's `makeState()`), kept across samples.
    let state: LayerState?

    var out: UnsafeMutableBufferPointer<Int32> { workspace.intOut[index] }
    var floatOut: UnsafeMutableBufferPointer<Float> { workspace.floatOut[index] }
    func inbound(_ k: Int) -> UnsafeMutableBufferPointer<Int32> { workspace.intOut[layer.inbounds[k]] }

    func requireInput() throws -> UnsafeBufferPointer<Int32> {
        guard let input else { throw AkidaModelError.invalidInput("layer '\(layer.name)' expects integer inputs") }
        return input
    }
}

/// Largest parameter value accepted (sizes, kernels, strides: far below any overflow).
let maxParameter = 1 << 20
/// Largest number of elements of one layer buffer (per sample).
let maxElements = 1 << 28
/// Largest number of inputs summed into one output: with |x| < 2^31 and |w| ≤ 2^7 every exact
/// sum stays below 2^62, so the Int64 arithmetic of the simulator never wraps.
let maxFanIn = 1 << 24

extension CompiledLayer {
    static func compile(_ model: AkidaModel) throws -> [CompiledLayer] {
        var index: [String: Int] = [:]
        var compiled: [CompiledLayer] = []
        for (i, layer) in model.layers.enumerated() {
            let inbounds = layer.inbounds.compactMap { index[$0] }
            let c = try compileLayer(layer, isFirst: i == 0, inbounds: inbounds, compiled: compiled, model: model)
            guard c.outShape == layer.outputShape, c.outCount <= maxElements else {
                throw AkidaModelError.invalidLayer(
                    layer: layer.name,
                    reason: "computed output shape \(c.outShape) differs from the declared \(layer.outputShape)")
            }
            index[layer.name] = i
            compiled.append(c)
        }
        return compiled
    }

    private static func compileLayer(
        _ layer: AkidaLayer, isFirst: Bool, inbounds: [Int], compiled: [CompiledLayer], model: AkidaModel
    ) throws -> CompiledLayer {
        let definition = layer.type.simulated
        let expectedInputs =
            definition.readsModelInput && isFirst ? 0 : definition.inboundCount(given: inbounds.count)
        guard inbounds.count == expectedInputs, inbounds.count == layer.inbounds.count else {
            throw AkidaModelError.invalidLayer(
                layer: layer.name,
                reason: "\(layer.type.rawValue) expects \(expectedInputs) inbound layer(s), has \(layer.inbounds.count)"
            )
        }
        let inShapes = inbounds.map { compiled[$0].outShape }
        // The first layer reads the model input, whose shape the input validation enforces.
        let inShape = isFirst ? model.inputShape : inShapes.first ?? []
        let reader = LayerReader(
            layer: layer, definition: definition, inbounds: inbounds, inShapes: inShapes,
            inDTypes: inbounds.map { compiled[$0].outDType }, isFirst: isFirst, inShape: inShape)
        if isFirst, let declared = layer.inputShapes.first, declared != inShape {
            throw reader.fail("input shape \(declared) differs from the model input shape \(inShape)")
        }
        _ = try reader.dims(inShape, "input shape")
        return try definition.compile(reader)
    }
}
