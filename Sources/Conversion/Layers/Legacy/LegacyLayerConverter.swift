// LegacyLayerConverter: the registry of the legacy path (models quantized with the old
// `cnn2snn.quantize`). Each converter takes one Keras class of such a model into the Akida 1.0
// layers being built; a class missing from the table is refused, naming the layer.
import AkidaModel
import Quantization

/// Takes the layers of one Keras class into a legacy conversion.
protocol LegacyLayerConverter: Sendable {
    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws
}

/// Every legacy layer converter, by Keras class name.
enum LegacyLayerConverters {
    static let table: [String: any LegacyLayerConverter] = [
        "QuantizedConv2D": LegacyNeuralConverter(type: .convolutional),
        "QuantizedSeparableConv2D": LegacyNeuralConverter(type: .separableConvolutional),
        "QuantizedDense": LegacyNeuralConverter(type: .fullyConnected),
        "MaxPooling2D": LegacyMaxPool2DConverter(), "MaxPool2D": LegacyMaxPool2DConverter(),
        "GlobalAveragePooling2D": LegacyGlobalAveragePooling2DConverter(),
        "QuantizedReLU": LegacyReLUConverter(), "ActivationDiscreteRelu": LegacyReLUConverter(discrete: true),
        "Flatten": SkippedLegacyLayer(), "Reshape": SkippedLegacyLayer(), "Activation": SkippedLegacyLayer(),
        "Softmax": SkippedLegacyLayer(), "Dropout": SkippedLegacyLayer(), "Rescaling": LegacyRescalingConverter(),
    ]
}

/// Layers the legacy Akida model has no counterpart for and that change no value it computes.
struct SkippedLegacyLayer: LegacyLayerConverter {
    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws {}
}

/// A legacy conversion in progress: the Akida layers built so far, the neural layer waiting for
/// its activation (and pooling), the input scale carried to the next neural layer and the model's
/// input shift (from a leading Rescaling).
struct LegacyConversion {
    /// A neural layer with the Akida parameters gathered for it so far.
    struct Pending {
        var neural: QuantizedLayer
        var type: AkidaLayerType
        var params: [String: Int]
        var gap: QuantizedLayer?
    }

    let graph: QuantizedKerasGraph
    var layers: [AkidaLayer] = []
    var pending: Pending?
    var inputScale: Float = 1
    var inputShift: Double = 0
}
