// Engine: ModelInfo, the one JSON description of any model kind (inputs, outputs, layers with
// class, shape and parameter count) that `spikeforge inspect --json` prints and the service stores.
import AkidaModel
import Foundation
import KerasGraph

/// What a model is, for every kind: inputs, outputs and layers with class, shape and parameters.
public struct ModelInfo: Codable, Equatable, Sendable {
    /// Keras and Akida models describe their tensors alike.
    public typealias TensorInfo = KerasGraph.ModelDescription.TensorInfo

    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        /// Keras class name, or the Akida layer type.
        public var className: String
        public var inputs: [String]
        public var outputShape: [Int?]?
        public var params: Int
    }

    public var kind: ModelKind
    public var format: ModelFormat
    public var name: String
    /// "Sequential" / "Functional" for Keras models, "Akida" for Akida models.
    public var modelClass: String
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    public var layers: [Layer]
    public var totalParams: Int
    /// Akida models: the IP version ("v1" or "v2").
    public var akidaIPVersion: String?

    public init(keras description: KerasGraph.ModelDescription) {
        kind = description.kind == .quantized ? .quantized : .float
        format = .h5
        name = description.name
        modelClass = description.modelClass
        inputs = description.inputs
        outputs = description.outputs
        layers = description.layers.map {
            Layer(
                name: $0.name, className: $0.className, inputs: $0.inputs, outputShape: $0.outputShape,
                params: $0.params)
        }
        totalParams = description.totalParams
        akidaIPVersion = nil
    }

    public init(akida model: AkidaModel, format: ModelFormat) {
        kind = .akida
        self.format = format
        name = "akida"
        modelClass = "Akida"
        let first = model.layers.first
        let inputDType: String
        // What the simulator's first layer takes: InputData integers, a Quantizer floats (it
        // quantizes them), every other input layer (InputConv2D, …) uint8.
        switch first?.type {
        case .inputData?: inputDType = (first?.parameters["input_bits"] ?? 8) >= 5 ? "int8" : "uint8"
        case .quantizer?: inputDType = "float32"
        default: inputDType = "uint8"
        }
        inputs = [TensorInfo(name: first?.name ?? "input", shape: [nil] + model.inputShape, dtype: inputDType)]
        outputs = [
            TensorInfo(
                name: model.layers.last?.name ?? "output", shape: [nil] + model.outputShape,
                dtype: model.layers.last?.type == .dequantizer ? "float32" : "int32")
        ]
        layers = model.layers.map { layer in
            Layer(
                name: layer.name, className: layer.type.rawValue, inputs: layer.inbounds,
                outputShape: [nil] + layer.outputShape.map { Optional($0) },
                params: ModelInfo.parameterVariables.reduce(0) { $0 + (layer.variables[$1]?.values.count ?? 0) })
        }
        totalParams = layers.reduce(0) { $0 + $1.params }
        akidaIPVersion = model.ipVersion.rawValue
    }

    /// The Akida variables that count as parameters in a description.
    static let parameterVariables = ["weights", "weights_pw", "bias"]

    /// Pretty, key-sorted JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
