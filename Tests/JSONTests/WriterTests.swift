// The writer against what Python 3's json.dumps prints for the same values (expected strings
// were produced with python3 and pasted here).
import JSON
import XCTest

final class WriterTests: XCTestCase {
    func testFloatsAsPythonRepr() {
        let cases: [(Double, String)] = [
            (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (0.1, "0.1"), (1e-4, "0.0001"), (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"), (123456789.123, "123456789.123"), (1e15, "1000000000000000.0"),
            (9.1e15, "9100000000000000.0"), (9007199254740993.0, "9007199254740992.0"), (1e16, "1e+16"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (5e-324, "5e-324"), (2.5e-300, "2.5e-300"),
            (-3.25, "-3.25"), (.nan, "NaN"), (.infinity, "Infinity"), (-.infinity, "-Infinity"),
            (0.30000000000000004, "0.30000000000000004"), (1e22, "1e+22"),
            (12345678901234567890.0, "1.2345678901234567e+19"), (Double(Float(0.1)), "0.10000000149011612"),
        ]
        for (value, python) in cases {
            XCTAssertEqual(JSONValue.float(value).serialized(.compact), python, "\(value)")
        }
    }

    func testRandomFloatsAsPythonRepr() {
        let cases: [(UInt64, String)] = [
            (0xf2a7_4de4_52e6_b438, "-1.989032661366619e+244"), (0x6513_270e_269e_0d37, "7.761117632285041e+178"),
            (0x0c5c_7fd0_a6a3_a450, "3.980498358697587e-249"), (0xd23f_0824_128b_2f33, "-1.5432835417340557e+88"),
            (0x1818_e811_892f_902b, "1.3647584518757569e-192"), (0x9531_985d_5d9d_c9f8, "-1.3701135617873088e-206"),
            (0xe8e2_5d94_0ed9_0475, "-1.7160537630466207e+197"), (0x36f6_75cc_81e7_4ef5, "6.294675241195386e-44"),
            (0x1600_a35a_0999_50d8, "1.0613447212142254e-202"), (0x6b0d_549b_6f03_675a, "4.708325160387546e+207"),
            (0x3d9c_1724_11e2_0b8f, "6.387016158513563e-12"), (0x8d11_6ece_1738_f7d9, "-9.973130378568733e-246"),
            (0x3e9c_7d2f_2382_2a9d, "4.2451918914251394e-07"), (0x3f4b_1823_6ac3_9bf3, "0.0008268521246720381"),
            (0x405e_f353_54db_98fc, "123.80196114964559"), (0x4249_fd0a_22bf_81dc, "223238964607.01453"),
            (0x4301_d52d_72bb_eeaa, "627433222405589.2"), (0x4375_0b1a_04e8_fa3d, "9.477089424570056e+16"),
            (0x4409_0721_3b50_ed37, "5.771029486174987e+19"),
        ]
        for (bits, python) in cases {
            XCTAssertEqual(JSONValue.float(Double(bitPattern: bits)).serialized(.compact), python)
        }
    }

    func testIntegersStayIntegers() {
        XCTAssertEqual(JSONValue.integer(.min).serialized(.compact), "-9223372036854775808")
        XCTAssertEqual(try JSONValue(parsing: "[1, 1.0, -0.0, 0]").serialized(.compact), "[1,1.0,-0.0,0]")
        // `number` keeps whole Doubles below 1e16 integers, as bit widths and shapes are.
        XCTAssertEqual(JSONValue.number(8), .integer(8))
        XCTAssertEqual(JSONValue.number(-0.0).serialized(.compact), "0")
        XCTAssertEqual(JSONValue.number(0.5), .float(0.5))
        XCTAssertEqual(JSONValue.number(1e16).serialized(.compact), "1e+16")
    }

    static let doc: JSONValue = .object([
        ("a", .array([.integer(1), .float(2.0), .array([])])), ("b", .object([])),
        ("c", .object([("d", .null), ("e", .bool(true)), ("f", .string("x"))])),
        ("g", .array([.object([("h", .integer(1))])])),
        ("i", .array([.array([.integer(1), .integer(2)]), .array([.integer(3), .integer(4)])])),
    ])

    func testCompactIsJSONDumpsWithoutSpaces() {
        XCTAssertEqual(
            WriterTests.doc.serialized(.compact),
            #"{"a":[1,2.0,[]],"b":{},"c":{"d":null,"e":true,"f":"x"},"g":[{"h":1}],"i":[[1,2],[3,4]]}"#)
        XCTAssertEqual(WriterTests.doc.serialized(), WriterTests.doc.description)
    }

    func testIndentedIsJSONDumpsIndent2() {
        let python =
            "{\n  \"a\": [\n    1,\n    2.0,\n    []\n  ],\n  \"b\": {},\n  \"c\": {\n    \"d\": null,\n"
            + "    \"e\": true,\n    \"f\": \"x\"\n  },\n  \"g\": [\n    {\n      \"h\": 1\n    }\n  ],\n"
            + "  \"i\": [\n    [\n      1,\n      2\n    ],\n    [\n      3,\n      4\n    ]\n  ]\n}"
        XCTAssertEqual(WriterTests.doc.serialized(.indented), python)
        XCTAssertEqual(WriterTests.doc.serialized(pretty: true), python)
    }

    func testAkidaLayout() {
        // akida's model_to_json: numeric arrays on one line, other arrays close after their last item.
        let akida =
            "{\n  \"a\": [1,2.0,[]],\n  \"b\": {},\n  \"c\": {\n    \"d\": null,\n    \"e\": true,\n"
            + "    \"f\": \"x\"\n  },\n  \"g\": [\n    {\n      \"h\": 1\n    }],\n  \"i\": [[1,2],[3,4]]\n}"
        XCTAssertEqual(WriterTests.doc.serialized(.akida), akida)
    }

    func testEscapingAsPython() {
        let text = "q\" b\\ n\n r\r t\t b\u{08} f\u{0C} bell\u{07} nul\u{00} us\u{1F} del\u{7F} slash/ é 日本 😀"
        // json.dumps(text, ensure_ascii=False)
        XCTAssertEqual(
            JSONValue.string(text).serialized(.compact),
            #""q\" b\\ n\n r\r t\t b\b f\f bell\u0007 nul\u0000 us\u001f del"# + "\u{7F}" + #" slash/ é 日本 😀""#)
        // json.dumps(text)
        XCTAssertEqual(
            JSONValue.string(text).serialized(.akida),
            #""q\" b\\ n\n r\r t\t b\b f\f bell\u0007 nul\u0000 us\u001f del\u007f slash/ "#
                + #"\u00e9 \u65e5\u672c \ud83d\ude00""#)
        XCTAssertEqual(JSONValue.object([("k\"é", .integer(1))]).serialized(.akida), "{\n  \"k\\\"\\u00e9\": 1\n}")
    }
}
