// StatefulRecurrentConverter: a stateful recurrent TENN (akida_models' convert_to_stateful form)
// converts to Akida StatefulRecurrent layers on IP "pico"; its training form, with a (T, C) input
// and no QuantizedStatefulRecurrent, is refused on the input rank as by the reference.
import AkidaModel
import Conversion
import KerasHDF5
import Quantization
import TestSupport
import XCTest

final class StatefulRecurrentConversionTests: XCTestCase {
    func testStatefulFormConvertsToStatefulRecurrentLayers() throws {
        let model = try QuantizedModel(file: KerasH5.read(Fixtures.file("tenn_rec_uored_stateful", "quantized.h5")))
        let converted = try Converter.convert(quantized: model, target: .v2).model
        XCTAssertEqual(converted.ipVersion, .pico)
        XCTAssertEqual(
            converted.layers.map(\.type), [.inputData] + Array(repeating: .statefulRecurrent, count: 5) + [.dequantizer]
        )
        XCTAssertEqual(converted.layers[1].name, "ssm_layer_0_output_proj")
        XCTAssertEqual(converted.layers[1].parameters["subsample"], 4)
        XCTAssertEqual(converted.layers[0].parameters["input_bits"], 16)
        XCTAssertThrowsError(try Converter.convert(quantized: model, target: .v1))
    }

    func testTrainingFormIsRefusedOnTheInputRank() throws {
        let model = try QuantizedModel(file: KerasH5.read(Fixtures.file("tenn_rec_uored", "quantized.h5")))
        XCTAssertThrowsError(try Converter.convert(quantized: model, target: .v2)) { error in
            let e = error as? ConversionError
            XCTAssertEqual(e?.rule, "input-rank")
            XCTAssertEqual(e?.layer, "input")
            XCTAssertNotNil(e?.fix)
        }
    }
}
