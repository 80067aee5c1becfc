// DequantizerConverter: an Akida 2.0 Dequantizer layer, folded into act_step on Akida 1.0.
import AkidaModel
import Conversion
import XCTest

final class DequantizerTests: XCTestCase {
    private func model() throws -> TinyModel {
        var model = try TinyModel(input: [4])
        try model.add("dense", "QuantizedDense", #"{"units": 2, \#(quantConfig(weightBits: 4))}"#, record: .kernel())
        var record = RecordedLayer()
        record.fracBits = [2]
        record.scales = [1]
        try model.add("deq", "Dequantizer", record: record)
        return model
    }

    func testAkida2Dequantizer() throws {
        let akida = try model().convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .dense1D, .dequantizer])
        XCTAssertEqual(akida.layers[2].variables["scales"]?.floats, [0.25, 0.25])
    }

    func testAkida1FoldsTheScalesIntoActStep() throws {
        let akida = try model().convert(.v1)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .fullyConnected])
        XCTAssertEqual(akida.layers[1].variables["act_step"]?.floats, [4, 4])
    }
}
