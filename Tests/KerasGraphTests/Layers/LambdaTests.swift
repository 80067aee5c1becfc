// Tests of the Lambda refusal, at decoding and in the registry's shape entry
import KerasGraph
import XCTest

final class LambdaTests: XCTestCase {
    func testRefusedAtEveryStage() {
        let text = LayerTest.error("Lambda", #"{"function": ["4wEAAAAA", null, null]}"#)
        XCTAssertTrue(text.contains("'odd_layer' (Lambda)") && text.contains("never executes"), text)
        XCTAssertThrowsError(try LayerTest.registryShape("Lambda", "{}", [[2]])) {
            XCTAssertTrue("\($0)".contains("never executes"))
        }
    }
}
