// Quantized predictions are bit-identical on every kernel path this CPU runs (VNNI, AVX2) and on
// the portable one: the integer routes (byte and int32 kernels), the float fallbacks and the
// vectorised elementwise steps give the same bits. Paths are switched in-process (KernelPath.with),
// as SPIKEFORGE_KERNELS selects them at start-up.
import Foundation
import NumPyIO
import Quantization
import Tensors
import TestSupport
import XCTest

final class QuantizedKernelPathTests: XCTestCase {
    /// 21 samples: two full 8-sample chunks of `predict` and a partial one, run on two threads.
    static let samples = 21

    func testCorpusPredictionsOnEveryKernelPath() throws {
        let cases = try CorpusCase.quantizedCases()
        XCTAssertFalse(cases.isEmpty)
        var portable: [String: [UInt32]] = [:]
        for path in [KernelPath.portable] + KernelPath.supported.filter({ $0 != .portable }) {
            let ran: Void? = try KernelPath.with(path) {
                XCTAssertEqual(KernelPath.active, path)
                for name in cases {
                    let label = "\(name) [\(path.rawValue)]"
                    let model = try loadQuantizedModel(name)
                    let inputs = try CorpusCase.npy(name, "inputs.npy")
                    let got = try QuantizedEngine(model: model).predict(
                        CorpusCase.tiled(inputs, to: Self.samples), threads: 2)[0]
                    let bits = got.floats().scalars.map(\.bitPattern)
                    if let first = portable[name] {
                        XCTAssertEqual(bits, first, "\(label): differs from the portable path")
                    } else {
                        portable[name] = bits
                    }
                    // Dequantized outputs equal quant_out.npy bit for bit, sample i being sample i % N.
                    if model.layer(named: model.outputs[0].layer)?.baseClassName == "Dequantizer" {
                        let want = try CorpusCase.tiled(CorpusCase.npy(name, "quant_out.npy"), to: Self.samples)
                        XCTAssertEqual(bits, want.floats().scalars.map(\.bitPattern), label)
                    }
                    XCTAssertEqual(try CorpusCase.layerDumpFailures(name, model: model), [], label)
                }
            }
            XCTAssertNotNil(ran, "\(path.rawValue) is listed as supported but could not be activated")
        }
        XCTAssertEqual(portable.count, cases.count)
    }
}
