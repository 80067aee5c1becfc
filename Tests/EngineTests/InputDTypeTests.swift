// EngineTests: one input-dtype rule for every model kind — an Akida model's description lists the
// dtype its first layer takes, and inputs of another dtype are converted when that dtype holds
// their values exactly, refused otherwise (never clamped).
import Engine
import Foundation
import Tensors
import TestSupport
import XCTest

final class InputDTypeTests: XCTestCase {
    func testAkidaDescriptionsListTheDTypeTheSimulatorTakes() throws {
        // ds_cnn_kws starts with InputConv2D (uint8 images); mlp with a Quantizer (float32).
        let conv = try ModelDocument.read(contentsOf: Fixtures.file("ds_cnn_kws", "akida_v2.json")).info
        XCTAssertEqual(conv.inputs.first?.dtype, "uint8")
        let quantizer = try ModelDocument.read(contentsOf: Fixtures.file("mlp", "akida_v2.json")).info
        XCTAssertEqual(quantizer.inputs.first?.dtype, "float32")
    }

    func testValuesTheDescribedDTypeHoldsAreConvertedOthersRefused() throws {
        let url = Fixtures.file("ds_cnn_kws", "inputs.npy")
        let images = try TensorFiles.firstArray(contentsOf: url, subject: "inputs")
        XCTAssertEqual(images.dtype, .uint8)
        let model = try LoadedModel.load(contentsOf: Fixtures.file("ds_cnn_kws", "akida_v2.json"))
        let name = try XCTUnwrap(model.inputNames.first)

        // The same whole numbers as float32 convert back to the identical uint8 batch and predict alike.
        let asFloats = NDArray(images.floats())
        let converted = try InputDType.conform(asFloats, to: "uint8", input: name)
        XCTAssertEqual(converted, images)
        XCTAssertEqual(
            try model.predict([converted]).outputs.first?.array, try model.predict([images]).outputs.first?.array)

        for (value, why) in [(-1.0 as Float, "negative"), (2.5, "fractional"), (256, "too large")] {
            var values = Array(images.floats().scalars)
            values[3] = value
            let bad = NDArray(Tensor(shape: images.shape, scalars: values))
            XCTAssertThrowsError(try InputDType.conform(bad, to: "uint8", input: name), why) { error in
                XCTAssertTrue("\(error)".contains("input '\(name)' is uint8"), "\(error)")
                XCTAssertTrue("\(error)".contains("at flat index 3"), "\(error)")
                XCTAssertEqual((error as? EngineError)?.problemType, .invalidInput)
            }
        }
        // Every numeric dtype converts to a float32 input.
        XCTAssertEqual(try InputDType.conform(images, to: "float32", input: name).dtype, .float32)
    }
}
