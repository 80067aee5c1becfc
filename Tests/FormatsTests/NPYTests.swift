import NumPyIO
import Tensors
import TestSupport
import XCTest

final class NPYTests: XCTestCase {
    func testReadsCorpusInputsAndRoundTrips() throws {
        let url = Fixtures.file("ds_cnn_kws", "inputs.npy")
        let bytes = [UInt8](try Data(contentsOf: url))
        let array = try NPY.decode(bytes)
        XCTAssertEqual(array.dtype, .uint8)
        XCTAssertEqual(array.shape, [8, 49, 10, 1])
        let again = try NPY.decode(NPY.encode(array))
        XCTAssertEqual(again, array)
    }

    func testEncodedHeaderIsAlignedAndReadable() throws {
        let a = NDArray(Tensor<Int32>(shape: [2, 2], scalars: [1, -2, 3, -4]), dtype: .int32)
        let bytes = NPY.encode(a)
        let header = try NPY.parseHeader(bytes)
        XCTAssertEqual(header.dataOffset % 64, 0)
        XCTAssertEqual(header.shape, [2, 2])
        XCTAssertEqual(try NPY.decode(bytes).integers().scalars, [1, -2, 3, -4])
    }

    func testRejectsWhatItCannotLoadWithAReason() throws {
        func header(_ dict: String) -> [UInt8] {
            var h = dict
            while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
            h += "\n"
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count & 0xff), UInt8(h.utf8.count >> 8)]
                + Array(h.utf8)
        }
        let cases: [(String, [UInt8], String)] = [
            ("fortran", header("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }") + [0, 0, 0, 0], "Fortran"),
            (
                "object",
                header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }") + [0, 0, 0, 0, 0, 0, 0, 0], "object"
            ),
            (
                "big-endian", header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }") + [0, 0, 0, 0],
                "big-endian"
            ),
            (
                "truncated", header("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }") + [0, 0, 0, 0],
                "truncated"
            ),
            ("magic", Array("not numpy at all".utf8), "magic"),
            ("no shape", header("{'descr': '<f4', 'fortran_order': False, }"), "shape"),
        ]
        for (name, bytes, fragment) in cases {
            XCTAssertThrowsError(try NPY.decode(bytes), name) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(name): \(error)")
            }
        }
    }
}
