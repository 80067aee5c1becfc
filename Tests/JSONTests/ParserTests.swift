// Parsing: integers and floats kept apart, key order kept, Python's NaN/Infinity, escapes,
// errors, and round trips through every writer style.
import JSON
import XCTest

final class ParserTests: XCTestCase {
    func testIntegersAndFloatsKeptApart() throws {
        let value = try JSONValue(parsing: "[1, 1.0, -0.0, 1e2, 9223372036854775807, 9223372036854775808, -5]")
        guard case .array(let items) = value else { return XCTFail("not an array") }
        XCTAssertEqual(items.count, 7)
        guard case .integer(1) = items[0], case .float(1.0) = items[1], case .float(let negativeZero) = items[2],
            case .float(100) = items[3], case .integer(.max) = items[4], case .float(9223372036854775808.0) = items[5],
            case .integer(-5) = items[6]
        else { return XCTFail("\(items)") }
        XCTAssertEqual(negativeZero.sign, .minus)
        // Equality is JSON's: 1 == 1.0.
        XCTAssertEqual(items[0], items[1])
        XCTAssertNotEqual(items[0], .string("1"))
    }

    func testNonFiniteAsPythonWrites() throws {
        let value = try JSONValue(parsing: "[NaN, Infinity, -Infinity]")
        XCTAssertTrue(value[0]?.double?.isNaN ?? false)
        XCTAssertEqual(value[1]?.double, .infinity)
        XCTAssertEqual(value[2]?.double, -.infinity)
        XCTAssertEqual(value.serialized(.compact), "[NaN,Infinity,-Infinity]")
    }

    func testAccessors() throws {
        let value = try JSONValue(parsing: #"{"b": 2.0, "a": [true, null, "s"], "big": 1e300, "i": 7}"#)
        XCTAssertEqual(value.objectPairs?.map(\.0), ["b", "a", "big", "i"])
        XCTAssertEqual(value["b"]?.int, 2)
        XCTAssertEqual(value["i"]?.int, 7)
        XCTAssertEqual(value["i"]?.double, 7)
        XCTAssertNil(value["big"]?.int)
        XCTAssertEqual(value["a"]?[0]?.bool, true)
        XCTAssertEqual(value["a"]?[1]?.isNull, true)
        XCTAssertEqual(value["a"]?[2]?.string, "s")
        XCTAssertNil(value["a"]?[3])
        XCTAssertNil(value["missing"])
        let set = value.setting("b", to: .integer(3)).setting("z", to: .null)
        XCTAssertEqual(set.objectPairs?.map(\.0), ["b", "a", "big", "i", "z"])
        XCTAssertEqual(set["b"], .integer(3))
        // Objects are equal with the same members in any order.
        XCTAssertEqual(try JSONValue(parsing: #"{"x": 1, "y": 2}"#), try JSONValue(parsing: #"{"y": 2, "x": 1.0}"#))
    }

    func testEscapes() throws {
        let value = try JSONValue(parsing: #""a\"\\\/\b\f\n\r\t\u0007\u00e9\ud83d\ude00\ud800x""#)
        XCTAssertEqual(value.string, "a\"\\/\u{08}\u{0C}\n\r\t\u{07}é😀\u{FFFD}x")
    }

    func testRoundTrips() throws {
        let text =
            #"{"name": "conv/é", "shape": [null, 10, 49, 1], "scale": 0.00390625, "big": 1e+16,"#
            + #" "neg": -0.0, "n": [], "o": {}, "flags": [true, false], "nested": [[1.5, 2], [3, 4e-07]]}"#
        let value = try JSONValue(parsing: text)
        for style in [JSONStyle.compact, .indented, .akida] {
            let written = value.serialized(style)
            let back = try JSONValue(parsing: written)
            XCTAssertEqual(back, value)
            XCTAssertEqual(back.serialized(style), written, "a second round trip writes the same text")
        }
        XCTAssertEqual(
            value.serialized(.compact),
            text.replacingOccurrences(of: ": ", with: ":")
                .replacingOccurrences(of: ", ", with: ","))
    }

    func testErrors() {
        for bad in ["", "{", "[1,", "{\"a\" 1}", "[1 2]", "tru", "\"open", "1 2", "-", "{1: 2}", "[\"\\u12\"]"] {
            XCTAssertThrowsError(try JSONValue(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("invalid JSON: "), "\(error)")
            }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        XCTAssertThrowsError(try JSONValue(parsing: deep))
    }
}
