import Tensors
import XCTest

final class NDArrayTests: XCTestCase {
    func testFloatRoundTripThroughBytes() throws {
        let t = Tensor<Float>(shape: [2, 3], scalars: [0, 1.5, -2, 3.25, 1e-7, -0])
        let a = NDArray(t)
        XCTAssertEqual(a.dtype, .float32)
        XCTAssertEqual(a.bytes.count, 24)
        XCTAssertEqual(a.floats(), t)
    }

    func testIntegerArraysTruncateToTheirWidth() throws {
        let t = Tensor<Int32>(shape: [3], scalars: [-1, 127, 300])
        let a = NDArray(t, dtype: .int8)
        XCTAssertEqual(a.bytes, [0xff, 0x7f, 0x2c])
        XCTAssertEqual(try a.integers().scalars, [-1, 127, 44])
    }

    func testHalfPrecisionDecoding() {
        XCTAssertEqual(Float(halfBits: 0x3c00), 1)
        XCTAssertEqual(Float(halfBits: 0xc000), -2)
        XCTAssertEqual(Float(halfBits: 0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(Float(halfBits: 0x7c00), .infinity)
        XCTAssertTrue(Float(halfBits: 0x7e00).isNaN)
    }

    func testShapeAndByteCountMustAgree() {
        XCTAssertThrowsError(try NDArray(dtype: .int16, shape: [3], bytes: [0, 0, 0, 0]))
    }

    func testStrides() {
        XCTAssertEqual(strides(of: [2, 3, 4]), [12, 4, 1])
        XCTAssertEqual(strides(of: []), [])
    }
}
