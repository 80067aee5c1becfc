// DenseConverter: Akida 2.0 Dense1D and Akida 1.0 FullyConnected layers.
import AkidaModel
import Conversion
import XCTest

final class DenseTests: XCTestCase {
    private func model(input: [Int] = [4], weightBits: Int, relu: String? = nil) throws -> TinyModel {
        var model = try TinyModel(input: input)
        try model.add(
            "dense", "QuantizedDense", #"{"units": 2, \#(quantConfig(weightBits: weightBits))}"#,
            record: .kernel())
        if let relu { try model.add("relu", "QuantizedReLU", relu) }
        return model
    }

    func testAkida2Dense1D() throws {
        let akida = try model(weightBits: 8).convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .dense1D])
        let dense = akida.layers[1]
        XCTAssertEqual(dense.parameters["units"], 2)
        XCTAssertEqual(dense.variables["weights"]?.shape, [4, 2])
        XCTAssertEqual(dense.outputShape, [1, 1, 2])
    }

    func testAkida1FullyConnected() throws {
        let akida = try model(weightBits: 4).convert(.v1)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .fullyConnected])
        XCTAssertEqual(akida.layers[1].variables["weights"]?.shape, [1, 1, 4, 2])
    }

    func testAkida1WeightBitsAreCheckedWhenBuilding() throws {
        let error = try XCTUnwrap(model(weightBits: 8).refusal(.v1))
        XCTAssertEqual(error.layer, "dense")
        XCTAssertEqual(error.rule, "weight-bits")
        XCTAssertEqual(
            error.fullMessage,
            "Layers 'dense': unsupported type [QuantizedDense]: FullyConnected layer only supports 1, 2 or 4 weight "
                + "bits value.                               Received weight_bits=8.")
    }

    func testDenseNeedsAFlatInput() throws {
        let error = try XCTUnwrap(model(input: [2, 2, 3], weightBits: 8).refusal(.v2))
        XCTAssertEqual(error.rule, "dense-flat-input")
        XCTAssertEqual(
            error.message,
            "The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: ((2, 2, 3))  shape.")
    }

    func testAkida1RefusesAnUnboundedReLU() throws {
        let error = try XCTUnwrap(model(weightBits: 4, relu: #"{\#(quantConfig(outputBits: 4))}"#).refusal(.v1))
        XCTAssertEqual(error.message, "relu: in AkidaVersion.v1, unbounded QuantizedReLU is not supported.")
    }

    /// Quantizers without bitwidths take QuantizeML's defaults (Quantization's QuantConfig).
    func testQuantizerDefaultsApply() throws {
        var model = try TinyModel(input: [4])
        try model.add(
            "dense", "QuantizedDense", #"{"units": 2, "quant_config": {"output_quantizer": {"signed": true}}}"#,
            record: .kernel())
        let dense = try model.convert(.v2).layers[1]
        XCTAssertEqual(dense.parameters["weights_bits"], 8)
        XCTAssertEqual(dense.parameters["output_bits"], 8)
        XCTAssertEqual(dense.parameters["buffer_bits"], 28)
        XCTAssertEqual(dense.parameters["post_op_buffer_bits"], 32)
    }
}
