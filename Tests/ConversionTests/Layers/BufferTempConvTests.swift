// BufferTempConv and DepthwiseBufferTempConv blocks: Akida 2.0 layers with the FIFO size, the
// kernel as QuantizeML stores it, the recorded input shift, buffer bits with the sign bit back;
// Akida 1.0 has no pattern for them.
import AkidaModel
import Conversion
import XCTest

final class BufferTempConvTests: XCTestCase {
    func testBufferTempConvBecomesTheAkidaLayer() throws {
        var model = try TinyModel(input: [4, 4, 2])
        var record = RecordedLayer.kernel(3)
        record.inputShift = IntTensor(shape: [2], values: [1, 0])
        try model.add(
            "btc", "QuantizedBufferTempConv", #"{"filters": 5, "kernel_size": 3, \#(quantConfig())}"#, record: record)
        let layer = try XCTUnwrap(model.convert(.v2).layers.last)
        XCTAssertEqual(layer.type, .bufferTempConv)
        XCTAssertEqual(layer.parameters["fifo_size"], 3)
        XCTAssertEqual(layer.parameters["filters"], 5)
        XCTAssertEqual(layer.parameters["activation"], 0)
        XCTAssertEqual(layer.variables["weights"]?.shape, [1, 1, 6, 5])
        XCTAssertEqual(layer.variables["input_shift"]?.integers, [1, 0])
        XCTAssertEqual(layer.outputShape, [4, 4, 5])
    }

    func testDepthwiseKernelIsExpandedToFourAxes() throws {
        var model = try TinyModel(input: [2, 2, 3])
        try model.add(
            "dbtc", "QuantizedDepthwiseBufferTempConv", #"{"kernel_size": 4, \#(quantConfig())}"#,
            record: RecordedLayer.kernel(2))
        let layer = try XCTUnwrap(model.convert(.v2).layers.last)
        XCTAssertEqual(layer.type, .depthwiseBufferTempConv)
        XCTAssertNil(layer.parameters["filters"])
        XCTAssertEqual(layer.variables["weights"]?.shape, [1, 1, 4, 3])
        XCTAssertEqual(layer.outputShape, [2, 2, 3])
    }

    func testAkida1HasNoBufferTempConvPattern() throws {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add(
            "up", "QuantizedBufferTempConv", #"{"filters": 2, "kernel_size": 2, \#(quantConfig())}"#,
            record: .kernel())
        XCTAssertEqual(model.refusal(.v1)?.kind, .invalidBlock)
    }
}
