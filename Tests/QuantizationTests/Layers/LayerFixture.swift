// Small quantized models for the per-layer-type tests: a float input, a signed InputQuantizer
// whose range fixes the input frac bits, then the layers under test.
import KerasGraph
import Quantization
import Tensors
import XCTest

enum LayerFixture {
    struct NotQuantized: Error {}

    static func t(_ shape: [Int], _ values: [Float]) -> Tensor<Float> { Tensor(shape: shape, scalars: values) }

    static func layer(
        _ name: String, _ className: String, _ config: String, inputs: [String] = ["iq"],
        variables: [(String, Tensor<Float>)] = []
    ) -> QuantizedLayer {
        QuantizedLayer(
            name: name, className: className, config: TinyModel.json(config),
            inputs: inputs.map { TensorRef(layer: $0) },
            variables: variables.map { QuantizedVariable(name: $0.0, value: $0.1) })
    }

    /// input → signed 8-bit InputQuantizer of range ±`range` → `layers`.
    static func model(_ shape: [Int], range: Float, _ layers: [QuantizedLayer]) -> QuantizedModel {
        let all = [TinyModel.input(shape), TinyModel.inputQuantizer(signed: true, min: -range, max: range)] + layers
        return QuantizedModel(name: "m", layers: all, inputs: ["input"], outputs: [TensorRef(layer: all.last!.name)])
    }

    static func outputs(_ model: QuantizedModel, _ x: Tensor<Float>) throws -> [String: QValue] {
        try QuantizedEngine(model: model).layerOutputs(NDArray(x))
    }

    static func integers(_ model: QuantizedModel, _ x: Tensor<Float>) throws -> [String: LayerIntegers] {
        try QuantizedEngine(model: model).layerIntegers(NDArray(x))
    }

    static func quantized(_ v: QValue?) throws -> QTensor {
        guard case .quantized(let q)? = v else { throw NotQuantized() }
        return q
    }

    /// The output of the last layer of `model`.
    static func output(_ model: QuantizedModel, _ x: Tensor<Float>) throws -> QTensor {
        try quantized(outputs(model, x)[model.layers.last!.name])
    }
}

extension LayerFixture {
    /// The keys of a 1×1 valid convolution without bias.
    static let convKeys =
        #"""
        "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
        "dilation_rate": [1, 1], "activation": "linear", "use_bias": false
        """#

    /// A weight scale as `model.predict` evaluates it: max|W| · (1/127).
    static func weightScale(_ range: Float) -> Float { range * (1 / Float(127)) }
}
