// Foundation values (what HTTP handlers hand to Response.json) written compactly, checked by
// parsing the output back with Foundation's parser.
import Foundation
import JSON
import XCTest

final class FoundationValueTests: XCTestCase {
    /// The bytes Response.json(object:) sends (before its trailing newline).
    func data(_ value: Any) throws -> [UInt8] { Array(try JSONValue(foundation: value).serialized(.compact).utf8) }

    func testRoundTripThroughFoundationParser() throws {
        let parsed = try JSONSerialization.jsonObject(
            with: Data("{\"n\": 3, \"f\": 0.25, \"t\": true, \"no\": false, \"z\": null}".utf8))
        let value: [String: Any] = [
            "text": "quote \" backslash \\ newline \n tab \t bell \u{07} slash / é 日本",
            "int": 42, "negative": -7, "int64": Int64(1) << 40, "double": 1.5, "tiny": 1e-7,
            "yes": true, "no": false, "null": NSNull(), "list": [1, "two", [3.0], [:] as [String: Any]],
            "parsed": parsed, "strings": ["a": "b"], "empty": [Any](),
        ]
        let bytes = try data(value)
        let back = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        XCTAssertEqual(back["text"] as? String, value["text"] as? String)
        XCTAssertEqual(back["int"] as? Int, 42)
        XCTAssertEqual(back["negative"] as? Int, -7)
        XCTAssertEqual((back["int64"] as? NSNumber)?.int64Value, Int64(1) << 40)
        XCTAssertEqual(back["double"] as? Double, 1.5)
        XCTAssertEqual(back["tiny"] as? Double, 1e-7)
        XCTAssertEqual(back["null"] is NSNull, true)
        XCTAssertEqual(back["strings"] as? [String: String], ["a": "b"])
        let nested = try XCTUnwrap(back["parsed"] as? [String: Any])
        XCTAssertEqual(nested["n"] as? Int, 3)
        XCTAssertEqual(nested["f"] as? Double, 0.25)
        XCTAssertTrue(nested["z"] is NSNull)
        // Booleans must come out as JSON true/false, not 1/0.
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\"yes\":true") && text.contains("\"no\":false"), text)
        XCTAssertTrue(text.contains("\"t\":true") && text.contains("\"no\":false"), text)
        XCTAssertTrue(text.contains("slash / é 日本"), "slashes and UTF-8 are written as they are")
        // Keys are sorted, so equal objects serialise identically.
        XCTAssertEqual(
            String(decoding: try data(["b": 1, "a": 2, "c": ["y": 1, "x": 2]]), as: UTF8.self),
            "{\"a\":2,\"b\":1,\"c\":{\"x\":2,\"y\":1}}")
        XCTAssertThrowsError(try data(["date": Date()]))
    }
}
