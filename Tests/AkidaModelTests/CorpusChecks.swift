// The bit-exactness checks of a corpus case against akida's recorded outputs, shared by the
// simulator tests and the per-kernel-path tests.
import AkidaFormats
import AkidaModel
import Foundation
import NumPyIO
import Tensors
import TestSupport
import XCTest

enum CorpusChecks {
    /// predict equals akida_v*_out.npy and forward equals akida_v*_forward.npy exactly.
    static func predictAndForward(_ c: AkidaCase, _ context: String = "") throws {
        let sim = try AkidaSimulator(model: c.model())
        let inputs = try c.inputs()
        let forward = try sim.forward(inputs)
        let predicted = try sim.predict(fromForward: forward)
        let expected = try NPY.read(contentsOf: c.file("_out.npy"))
        let label = c.label + context
        XCTAssertEqual(predicted.ndarray().shape, expected.shape, label)
        let got = predicted.floats, want = expected.floats().scalars
        let diff = zip(got, want).filter { $0 != $1 }.count
        XCTAssertEqual(diff, 0, "\(label): \(diff) of \(want.count) predict values differ")
        if let fw = try c.optionalArray("_forward.npy") {
            // The reference ran forward after predict on the same model: a stateful model goes on
            // from the state the first call left (a stateless one gives the same output).
            XCTAssertEqual(try sim.forward(inputs).ndarray(), fw, "\(label): forward differs")
        }
    }

    /// Every layer's output equals the akida_v*_layers.npz entry (first samples of the inputs).
    static func everyLayer(_ c: AkidaCase, _ context: String = "") throws {
        let label = c.label + context
        guard FileManager.default.fileExists(atPath: c.file("_layers.npz").path) else {
            // akida cannot run a sub-model holding only the InputData layer, so the reference has no
            // per-layer dump of a model whose input feeds a StatefulRecurrent; the case must say so
            // (its outputs are checked by predictAndForward).
            let conversions = try Fixtures.meta(c.name)["conversions"] as? [String: Any]
            let reason = (conversions?[c.version] as? [String: Any])?["layers_dump_error"] as? String
            XCTAssertNotNil(reason, "\(label): akida_\(c.version)_layers.npz is missing and meta.json gives no reason")
            return
        }
        let expected = try NPZ.read(contentsOf: c.file("_layers.npz"))
        let samples = try XCTUnwrap(expected.first?.array.shape.first, label)
        let inputs = try c.inputs()
        let rowBytes = inputs.bytes.count / inputs.shape[0]
        let head = try NDArray(
            dtype: inputs.dtype, shape: [samples] + inputs.shape.dropFirst(),
            bytes: Array(inputs.bytes[0..<samples * rowBytes]))
        let run = try AkidaSimulator(model: c.model()).forwardAllLayers(head)
        XCTAssertEqual(run.layerOutputs.map(\.name), expected.map { $0.name }, label)
        for (name, tensor) in run.layerOutputs {
            guard let want = expected.first(where: { $0.name == name })?.array else { continue }
            let got = tensor.ndarray()
            if got != want {
                let a = try got.integersOrFloats(), b = try want.integersOrFloats()
                let diff = zip(a, b).filter { $0 != $1 }.count
                XCTFail(
                    "\(label) layer \(name): \(got.dtype)\(got.shape) vs \(want.dtype)\(want.shape), "
                        + "\(diff) values differ")
            }
        }
    }
}
