// KerasModelFile: what a saved tf_keras model holds, independent of the file format —
// the model_config JSON, version attributes and every layer's weights in save order.
// KerasHDF5 reads and writes it; the graph builder and the quantizer interpret it.
import Tensors

/// One saved variable of a layer, e.g. `conv_0/kernel:0`.
public struct NamedWeight: Equatable, Sendable {
    /// The full weight name as saved (the HDF5 `weight_names` entry).
    public var name: String
    public var array: NDArray

    public init(name: String, array: NDArray) {
        self.name = name
        self.array = array
    }

    /// The variable's short name: `conv_0/kernel:0` → `kernel`.
    public var shortName: String {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return last.split(separator: ":").first.map(String.init) ?? last
    }
}

public struct KerasModelFile: Equatable, Sendable {
    /// The `model_config` root attribute: `{"class_name": "Functional"|"Sequential", "config": …}`.
    public var modelConfig: JSONValue
    public var kerasVersion: String?
    public var backend: String?
    /// Layer name → that layer's weights, in the layer's `weight_names` order.
    public var weights: [String: [NamedWeight]]
    /// Layer names in the `layer_names` order of the file.
    public var layerNames: [String]

    public init(
        modelConfig: JSONValue, kerasVersion: String? = "2.19.0", backend: String? = "tensorflow",
        weights: [String: [NamedWeight]], layerNames: [String]
    ) {
        self.modelConfig = modelConfig
        self.kerasVersion = kerasVersion
        self.backend = backend
        self.weights = weights
        self.layerNames = layerNames
    }
}
