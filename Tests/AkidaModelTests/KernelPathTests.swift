// Every corpus simulation is bit-exact on every kernel path this CPU can run (VNNI, AVX2) and on
// the portable one, which any x86-64 runs: the paths are switched in-process (KernelPath.with),
// as SPIKEFORGE_KERNELS would select them at start-up.
import AkidaModel
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
}
