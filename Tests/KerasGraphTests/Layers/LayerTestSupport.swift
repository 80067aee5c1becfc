import KerasGraph
import Tensors
// Helpers of the per-layer-type tests: one layer decoded, shaped or run from a class name and a
// JSON config, as the float engine and the registry see it.
import XCTest

struct UnexpectedType: Error {
    let cls: String
    let decoded: String
}

enum LayerTest {
    static func node(
        _ cls: String, _ json: String, name: String = "layer", inputs: Int = 1,
        weights: [NamedWeight] = []
    ) throws -> GraphNode {
        GraphNode(
            name: name, className: cls, config: try JSONValue(parsing: json),
            inputs: (0..<inputs).map { TensorRef(layer: "input\($0)") }, weights: weights)
    }

    /// The decoded layer of the registered type `T`.
    static func decode<T: KerasLayerType>(_ type: T.Type, _ cls: String, _ json: String) throws -> T {
        let layer = try LayerSpec(node: try node(cls, json)).layer
        guard let typed = layer as? T else { throw UnexpectedType(cls: cls, decoded: "\(Swift.type(of: layer))") }
        return typed
    }

    /// The output shape as the float engine computes it.
    static func shape(_ cls: String, _ json: String, _ inputs: [[Int]]) throws -> [Int] {
        try LayerSpec(node: try node(cls, json)).outputShape(inputs, layer: "layer", className: cls)
    }

    /// The output shape through the engine-wide registry entry (quantized classes included).
    static func registryShape(_ cls: String, _ json: String, _ inputs: [[Int]]) throws -> [Int] {
        try LayerRegistry.outputShape(
            className: cls, config: try JSONValue(parsing: json), inputs: inputs,
            layer: "layer")
    }

    /// Runs one float layer on `inputs` (batch axis included) with `weights` named `layer/<slot>:0`.
    static func run(
        _ cls: String, _ json: String, _ inputs: [Tensor<Float>],
        weights: [String: Tensor<Float>] = [:]
    ) throws -> Tensor<Float> {
        let named = weights.map { NamedWeight(name: "layer/\($0.key):0", array: NDArray($0.value)) }
        let layer = try FloatLayer(
            node: try node(cls, json, inputs: inputs.count, weights: named),
            inputShapes: inputs.map { Array($0.shape.dropFirst()) })
        return try layer(inputs)
    }

    /// The text of the error decoding, shaping or building a layer named `odd_layer` throws.
    static func error(_ cls: String, _ json: String, _ inputs: [[Int]] = [[4, 4, 2]]) -> String {
        do {
            let spec = try LayerSpec(node: try node(cls, json, name: "odd_layer"))
            _ = try spec.outputShape(inputs, layer: "odd_layer", className: cls)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }
}
