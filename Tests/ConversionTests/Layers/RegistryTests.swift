// The registry of block converters: registration order (as the "Invalid block" listing shows it)
// and the error vocabulary of conversion refusals.
import AkidaModel
import Conversion
import XCTest

final class RegistryTests: XCTestCase {
    /// The patterns listed for a block that shares no class with any pattern (all of them).
    private func listing(_ target: AkidaTarget) throws -> [[String]] {
        var model = try TinyModel(input: [4])
        try model.add("foo", "QuantizedFoo")
        let error = try XCTUnwrap(model.refusal(target))
        XCTAssertEqual(error.kind, .invalidBlock)
        XCTAssertEqual(error.layer, "foo")
        let lines = error.message.split(separator: "\n").filter { $0.hasPrefix(" - ") }
        return lines.map { $0.dropFirst(3).components(separatedBy: " > ") }
    }

    func testAkida2PatternsAreListedInRegistrationOrder() throws {
        let patterns = try listing(.v2)
        XCTAssertEqual(patterns.count, 37)
        var converters: [String] = []
        for pattern in patterns {
            let main = pattern.first { $0 != "QuantizedFlatten" && $0 != "QuantizedReshape" }!
            if converters.last != main { converters.append(main) }
        }
        XCTAssertEqual(
            converters,
            [
                "QuantizedDense", "QuantizedConv2D", "QuantizedConv2DTranspose", "QuantizedDepthwiseConv2D",
                "QuantizedDepthwiseConv2DTranspose", "QuantizedAdd", "QuantizedConcatenate", "Dequantizer",
                "QuantizedBufferTempConv", "QuantizedDepthwiseBufferTempConv", "QuantizedStatefulProjection",
                "QuantizedPicoPostProcessing",
            ])
    }

    func testAkida1PatternsAreListedInRegistrationOrder() throws {
        let patterns = try listing(.v1).map { $0.joined(separator: " > ") }
        XCTAssertEqual(
            patterns,
            [
                "QuantizedDense", "QuantizedDense > QuantizedReLU", "QuantizedFlatten > QuantizedDense",
                "QuantizedFlatten > QuantizedDense > QuantizedReLU", "QuantizedReshape > QuantizedDense",
                "QuantizedReshape > QuantizedDense > QuantizedReLU",
                "QuantizedReshape > QuantizedFlatten > QuantizedDense",
                "QuantizedReshape > QuantizedFlatten > QuantizedDense > QuantizedReLU",
                "QuantizedConv2D", "QuantizedConv2D > QuantizedReLU",
                "QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU",
                "QuantizedConv2D > QuantizedGlobalAveragePooling2D > QuantizedReLU",
                "QuantizedConv2D > QuantizedGlobalAveragePooling2D",
                "QuantizedSeparableConv2D", "QuantizedSeparableConv2D > QuantizedReLU",
                "QuantizedSeparableConv2D > QuantizedGlobalAveragePooling2D > QuantizedReLU",
                "QuantizedSeparableConv2D > QuantizedGlobalAveragePooling2D",
                "QuantizedSeparableConv2D > QuantizedMaxPool2D > QuantizedReLU",
                "Dequantizer",
            ])
    }

    /// A conversion refusal is a user-facing error of type conversion-failed with its layer, rule
    /// and fix.
    func testRefusalsAreUserFacingErrors() throws {
        var model = try TinyModel(input: [4])
        try model.add("foo", "QuantizedFoo")
        let error = try XCTUnwrap(model.refusal(.v2))
        XCTAssertEqual(error.problemType.rawValue, "conversion-failed")
        XCTAssertEqual(error.title, "Conversion failed")
        XCTAssertEqual(error.layer, "foo")
        XCTAssertEqual(error.rule, "block-pattern")
        XCTAssertEqual(
            error.fix,
            "the chain QuantizedFoo has no Akida 2.0 layer; rearrange it into one of the listed patterns")
        XCTAssertTrue(
            error.description.hasPrefix("layer 'foo' [block-pattern]: Invalid block found during conversion:"))
    }
}
