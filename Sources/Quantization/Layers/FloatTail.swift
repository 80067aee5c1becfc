// FloatTail: a float Keras layer inside a quantized model — the float tail after a Dequantizer
// (a softmax head, everything after a layer QuantizeML cannot quantize) and the legacy CNN2SNN
// layers, which fake-quantize in float. It runs through the float engine's own layer type
// (KerasGraph's LayerRegistry), so any layer the float engine runs may follow a Dequantizer.
import Foundation
import KerasGraph
import Tensors

struct FloatLayerOp: LayerOp {
    let node: GraphNode
    let built = BuiltFloatLayer()

    /// Decodes the layer now, so that a class the float engine does not run is refused when the
    /// model is loaded; the float layer itself is built for the input shapes it meets.
    init(_ layer: QuantizedLayer) throws {
        node = GraphNode(
            name: layer.name, className: layer.className, config: layer.config, inputs: layer.inputs,
            weights: layer.variables.map { NamedWeight(name: "\(layer.name)/\($0.name):0", array: NDArray($0.value)) })
        do {
            _ = try LayerSpec(node: node)
        } catch GraphError.unsupported {
            throw QuantizedModelError.unsupportedLayer(layer: layer.name, className: layer.className)
        }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let x = inputs.map(\.floats)
        let shapes = x.map { Array($0.shape.dropFirst()) }
        let layer = try built.layer(for: shapes) { try FloatLayer(node: node, inputShapes: shapes) }
        return .float(try layer(x))
    }
}

/// The float layer built for the last input shapes met (a model input may leave dimensions
/// open, so shapes are known only at run time); shared by the concurrent slices of a batch.
final class BuiltFloatLayer: @unchecked Sendable {
    private var layer: FloatLayer?
    private let lock = NSLock()

    func layer(for shapes: [[Int]], build: () throws -> FloatLayer) rethrows -> FloatLayer {
        lock.lock()
        defer { lock.unlock() }
        if let layer, layer.inputShapes == shapes { return layer }
        let built = try build()
        layer = built
        return built
    }
}
