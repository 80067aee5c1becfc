// InputData (reference 7.1, 7.3): the input sign rule, its summary row and the input range check.
import AkidaModel
import Tensors
import XCTest

final class InputDataTests: XCTestCase {
    func testInputIsSignedFromFiveBits() {
        XCTAssertEqual(
            (1...9).map { AkidaLayer.isSignedInput(bits: $0) },
            [false, false, false, false, true, true, true, true, true])
    }

    func testSummaryRowHasNoKernel() {
        let row = AkidaLayerType.inputData.definition.summaryRow(inputData([2, 3, 1]))
        XCTAssertEqual(
            row, AkidaSummaryLayer(name: "input", type: "InputData", outputShape: [2, 3, 1], kernelShapes: []))
    }

    func testInputPassesThroughWithinItsRange() throws {
        let sim = try AkidaSimulator(model: model([inputData([1, 3, 1], bits: 4)], .v1))
        XCTAssertEqual(try sim.forward(batch([[0, 7, 15]], shape: [1, 3, 1], dtype: .uint8)).integers, [0, 7, 15])
        XCTAssertThrowsError(try sim.forward(batch([[0, 16, 1]], shape: [1, 3, 1], dtype: .uint8))) { error in
            XCTAssertEqual("\(error)", "Input values must be in the range (0, 15). Got 16.")
        }
        let signed5 = try AkidaSimulator(model: model([inputData([1, 2, 1], bits: 5)]))
        XCTAssertThrowsError(try signed5.forward(batch([[-16, 100]], shape: [1, 2, 1]))) { error in
            XCTAssertEqual("\(error)", "Input values must be in the range (-16, 15). Got 100.")
        }
    }

    func testInputBitsOutsideTheRangeAreRefused() throws {
        var layer = inputData([1, 1, 1])
        layer.parameters["input_bits"] = 0
        XCTAssertEqual(compileError(try model([layer])), "layer 'input': parameter 'input_bits' = 0 must be in 1...32")
    }
}
