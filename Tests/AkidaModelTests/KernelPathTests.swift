// Every corpus simulation is bit-exact on every kernel path this CPU can run (VNNI, AVX2) and on
// the portable one, which any x86-64 runs: the paths are switched in-process (KernelPath.with),
// as SPIKEFORGE_KERNELS would select them at start-up.
import AkidaModel
import NumPyIO
import Tensors
import XCTest

final class KernelPathTests: XCTestCase {
    func testPortablePathIsAlwaysSupported() {
        XCTAssertEqual(KernelPath.supported.last, .portable)
        XCTAssertTrue(KernelPath.supported.contains(KernelPath.active))
    }

    func testEveryCorpusModelIsBitExactOnEveryPath() throws {
        let cases = try AkidaCase.all()
        XCTAssertFalse(cases.isEmpty)
        for path in KernelPath.supported {
            let ran: Void? = try KernelPath.with(path) {
                XCTAssertEqual(KernelPath.active, path)
                for c in cases {
                    try CorpusChecks.predictAndForward(c, " [\(path.rawValue)]")
                    try CorpusChecks.everyLayer(c, " [\(path.rawValue)]")
                }
            }
            XCTAssertNotNil(ran, "\(path.rawValue) is listed as supported but could not be activated")
        }
    }

    /// A batch smaller than the thread count splits each layer's output pixels (and depthwise rows
    /// and output stage) across threads instead: every layer equals the one-thread run.
    func testOneSampleSplitAcrossThreadsEqualsOneThread() throws {
        for c in try AkidaCase.all() {
            let inputs = try c.inputs()
            let rowBytes = inputs.bytes.count / inputs.shape[0]
            let one = try NDArray(
                dtype: inputs.dtype, shape: [1] + inputs.shape.dropFirst(), bytes: Array(inputs.bytes[0..<rowBytes]))
            // Parts of any size, so the small corpus layers split too.
            let split = try AkidaSimulator(model: c.model(), maxThreads: 4, tileWork: 1).forwardAllLayers(one)
            let serial = try AkidaSimulator(model: c.model(), maxThreads: 1).forwardAllLayers(one)
            XCTAssertEqual(split.layerOutputs.count, serial.layerOutputs.count, c.label)
            for (a, b) in zip(split.layerOutputs, serial.layerOutputs) {
                XCTAssertEqual(a.tensor, b.tensor, "\(c.label) layer \(a.name)")
            }
        }
    }
}
