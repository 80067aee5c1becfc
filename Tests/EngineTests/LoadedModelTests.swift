// The façade dispatches every model kind of the corpus to the right engine: a float .h5,
// a quantized .h5 and an Akida JSON of the same case each reproduce the reference outputs.
import Engine
import Foundation
import NumPyIO
import Tensors
import TestSupport
import XCTest

final class LoadedModelTests: XCTestCase {
    let cases = ["mlp", "ds_cnn_kws", "residual_add", "seed_float_input"]

    func testFloatModelsMatchTfKeras() throws {
        for c in cases {
            let model = try LoadedModel.load(contentsOf: Fixtures.file(c, "model.h5"))
            XCTAssertEqual(model.kind, .float, c)
            let got = try model.predict([NPY.read(contentsOf: Fixtures.file(c, "inputs.npy"))]).outputs[0].array
                .floats().scalars
            let want = try NPY.read(contentsOf: Fixtures.file(c, "float_out.npy")).floats().scalars
            XCTAssertEqual(got.count, want.count, c)
            let atol = 1e-4 * (want.map { abs($0) }.max() ?? 0)
            for (g, w) in zip(got, want) {
                XCTAssertLessThanOrEqual(abs(g - w), atol + 1e-4 * abs(w), c)
            }
        }
    }

    func testQuantizedModelsMatchQuantizeML() throws {
        for c in cases {
            let model = try LoadedModel.load(contentsOf: Fixtures.file(c, "quantized.h5"))
            XCTAssertEqual(model.kind, .quantized, c)
            let got = try model.predict([NPY.read(contentsOf: Fixtures.file(c, "inputs.npy"))]).outputs[0].array
                .floats().scalars
            let want = try NPY.read(contentsOf: Fixtures.file(c, "quant_out.npy")).floats().scalars
            XCTAssertEqual(got.count, want.count, c)
            // Exact up to the final dequantisation's 1-ulp float noise (corpus README); a float
            // softmax tail (ds_cnn_kws) follows the float rule.
            let atol = c == "ds_cnn_kws" ? 1e-4 * (want.map { abs($0) }.max() ?? 0) : 0
            for (g, w) in zip(got, want) {
                XCTAssertLessThanOrEqual(abs(g - w), atol + 1e-6 * abs(w), c)
            }
        }
    }

    func testAkidaModelsMatchAkidaExactly() throws {
        for c in cases {
            let meta = try Fixtures.meta(c)
            let inputFile = meta["akida_input_file"] as? String ?? "inputs.npy"
            let model = try LoadedModel.load(contentsOf: Fixtures.file(c, "akida_v2.json"))
            XCTAssertEqual(model.kind, .akida, c)
            let result = try model.predict([NPY.read(contentsOf: Fixtures.file(c, inputFile))], layerSparsity: true)
            let want = try NPY.read(contentsOf: Fixtures.file(c, "akida_v2_out.npy"))
            XCTAssertEqual(result.outputs[0].array.floats().scalars, want.floats().scalars, c)
            XCTAssertFalse(result.layerSparsity.isEmpty, c)
        }
    }

    func testUnrecognisedFilesAreRefusedWithAReason() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-model-\(UUID()).bin")
        try Data("hello".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try LoadedModel.load(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("not a model file"), "\(error)")
        }
    }
}
