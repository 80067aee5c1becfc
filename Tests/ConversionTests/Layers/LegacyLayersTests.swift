// The legacy registry (Layers/Legacy): models quantized with the old `cnn2snn.quantize` convert
// layer by layer through one converter per Keras class, and a class without one is refused by name.
import AkidaModel
import Conversion
import KerasGraph
import Quantization
import Tensors
import XCTest

final class LegacyLayersTests: XCTestCase {
    /// input (2, 2, 2) > Flatten > legacy QuantizedDense (3 units) > `last`.
    private func model(weightBits: Int = 4, last: (className: String, config: String)?) throws -> QuantizedModel {
        func layer(
            _ name: String, _ cls: String, _ config: String, from: String?, _ vars: [QuantizedVariable] = []
        )
            throws -> QuantizedLayer
        {
            QuantizedLayer(
                name: name, className: cls, config: try JSONValue(parsing: config),
                inputs: from.map { [TensorRef(layer: $0)] } ?? [], variables: vars)
        }
        let kernel = Tensor<Float>(shape: [8, 3], scalars: (0..<24).map { Float($0 % 5) - 2 })
        var layers = [
            try layer("input", "InputLayer", #"{"batch_input_shape": [null, 2, 2, 2], "dtype": "float32"}"#, from: nil),
            try layer("flatten", "Flatten", "{}", from: "input"),
            try layer(
                "dense", "QuantizedDense",
                #"{"units": 3, "use_bias": false, "quantizer": {"class_name": "MaxQuantizer", "#
                    + #""config": {"bitwidth": \#(weightBits)}}}"#,
                from: "flatten", [QuantizedVariable(name: "kernel", value: kernel)]),
        ]
        if let last { layers.append(try layer("last", last.className, last.config, from: "dense")) }
        return QuantizedModel(
            name: "legacy", layers: layers, inputs: ["input"], outputs: [TensorRef(layer: layers.last!.name)])
    }

    private func refusal(_ model: QuantizedModel) throws -> ConversionError {
        do {
            _ = try Converter.convert(quantized: model, target: .v2)
        } catch let error as ConversionError {
            return error
        }
        return try XCTUnwrap(nil as ConversionError?, "the legacy model converted")
    }

    func testDenseAndReLUBecomeOneFullyConnectedLayer() throws {
        let output = try Converter.convert(
            quantized: model(last: ("QuantizedReLU", #"{"bitwidth": 2}"#)), target: .v2)
        XCTAssertEqual(output.model.ipVersion, .v1)
        XCTAssertEqual(output.model.layers.map(\.type), [.inputData, .fullyConnected])
        let dense = output.model.layers[1]
        XCTAssertEqual(dense.parameters["act_bits"], 2)
        XCTAssertEqual(dense.parameters["activation"], 1)
        XCTAssertEqual(dense.parameters["weights_bits"], 4)
        XCTAssertEqual(dense.outputShape, [1, 1, 3])
    }

    func testAClassWithoutLegacyConverterIsRefusedByName() throws {
        let error = try refusal(model(last: ("Foo", "{}")))
        XCTAssertEqual(error.rule, "legacy-layer")
        XCTAssertEqual(error.layer, "last")
        XCTAssertEqual(error.message, "Layer last: unsupported type Foo.")
    }

    func testActivationBitsOutsideOneTwoFourAreRefused() throws {
        let error = try refusal(model(last: ("QuantizedReLU", #"{"bitwidth": 3}"#)))
        XCTAssertEqual(error.rule, "legacy-activation-bits")
        XCTAssertEqual(
            error.message, "Activation bitwidth must be in (1, 2, 4). Receives bitwidth 3 in layer 'last'.")
    }

    func testWeightBitsOutsideTwoFourEightAreRefused() throws {
        let error = try refusal(model(weightBits: 3, last: nil))
        XCTAssertEqual(error.rule, "legacy-weight-bits")
        XCTAssertEqual(
            error.message, "Weight bitwidth must be in (2, 4, 8). Receives bitwidth 3 in layer 'dense'.")
    }
}
