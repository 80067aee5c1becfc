// Engine's tensor files: batches sliced and joined on raw bytes give back the dataset, input
// bodies decode or are refused with a reason, uploads are checked against their header, and the
// façade's errors carry their problem type.
import Diagnostics
import Engine
import Foundation
import NumPyIO
import TestSupport
import XCTest

final class TensorFilesTests: XCTestCase {
    func testBatchesJoinBackIntoTheDataset() throws {
        let inputs = try TensorFiles.firstArray(
            contentsOf: Fixtures.file("ds_cnn_kws", "inputs.npy"), subject: "inputs")
        let rows = inputs.shape[0]
        var joined = try BatchRows.slice(inputs, 0..<3)
        XCTAssertEqual(joined.shape, [3] + inputs.shape.dropFirst())
        var start = 3
        while start < rows {
            let end = min(rows, start + 3)
            joined = try BatchRows.append(joined, try BatchRows.slice(inputs, start..<end))
            start = end
        }
        XCTAssertEqual(joined, inputs)
        let other = try TensorFiles.firstArray(contentsOf: Fixtures.file("mlp", "inputs.npy"), subject: "inputs")
        XCTAssertThrowsError(try BatchRows.append(inputs, other))
    }

    func testBodiesDecodeOrAreRefusedAsInvalidTensors() throws {
        let npy = try Fixtures.bytes("mlp", "inputs.npy")
        let decoded = try TensorFiles.decode(npy)
        XCTAssertEqual(decoded.count, 1)
        XCTAssertEqual(decoded[0].array, try NPY.decode(npy))
        XCTAssertEqual(try NPY.decode(TensorFiles.npy(decoded[0].array)), decoded[0].array)
        for body in [[UInt8](), Array("hello".utf8)] {
            XCTAssertThrowsError(try TensorFiles.decode(body)) { error in
                XCTAssertEqual((error as? UserFacingError)?.problemType, .invalidTensor, "\(error)")
            }
        }
    }

    func testUploadsMustMatchTheirHeader() throws {
        let url = Fixtures.file("mlp", "inputs.npy")
        let bytes = try Fixtures.bytes("mlp", "inputs.npy")
        let summary = try TensorFiles.inspect(
            head: Array(bytes.prefix(4096)), file: url, size: Int64(bytes.count), maxInflatedBytes: Int.max,
            maxInflationRatio: Int.max)
        XCTAssertEqual(summary.shape, [8, 64])
        XCTAssertFalse(summary.isArchive)
        XCTAssertThrowsError(
            try TensorFiles.inspect(
                head: Array(bytes.prefix(4096)), file: url, size: Int64(bytes.count - 4), maxInflatedBytes: Int.max,
                maxInflationRatio: Int.max)
        ) { error in
            XCTAssertTrue("\(error)".contains("data is truncated"), "\(error)")
            XCTAssertEqual((error as? UserFacingError)?.problemType, .invalidTensor)
        }
    }

    func testFacadeErrorsCarryTheirProblemType() {
        XCTAssertEqual(EngineError.wrongKind("x").problemType, .wrongModelKind)
        XCTAssertEqual(EngineError.badInput("x").problemType, .invalidInput)
        XCTAssertEqual(EngineError.unrecognisedFile("x").problemType, .invalidModel)
        XCTAssertEqual(NumPyError.malformed("x").problemType, .invalidTensor)
    }
}
