// PersistenceTests: JSONText writes the canonical text earlier builds stored through Foundation's
// JSONSerialization, byte for byte, so old rows and resubmitted params compare equal.
import Foundation
import Persistence
import XCTest

final class JSONTextTests: XCTestCase {
    func foundationCanonical(_ text: String) throws -> String {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(
            withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    func testCanonicalTextIsJSONSerializations() throws {
        let texts = [
            #"{"model_id": "mdl_1", "batch_size": 64, "qparams": {"weight_bits": 4, "per_tensor_activations": true}}"#,
            #"{"a_b":1,"ab":2,"a9":3,"a10":4,"A":5,"a":6,"Z":7,"_":8,"z":9,"a-b":10,"aB":11,"Ab":12}"#,
            #"[1.0, 2.5, 100.0, 1e16, 1e15, 0.30000000000000004, 123456789.0, 1e-5, 0.0001, 5e-324]"#,
            #"{"s": "x/\u001f\u00e9\n\t\"\\", "n": null, "b": [true, false], "e": {}, "l": []}"#,
            #"{"dup": 1, "dup": 2}"#, "3", #""text""#,
        ]
        for text in texts {
            XCTAssertEqual(JSONText.canonical(text, requireObject: false), try foundationCanonical(text), text)
        }
    }

    func testCanonicalRefusesWhatFoundationRefuses() {
        XCTAssertNil(JSONText.canonical("[1,2]", requireObject: true))
        XCTAssertNil(JSONText.canonical("{\"a\": NaN}", requireObject: false))
        XCTAssertNil(JSONText.canonical("{\"a\": ", requireObject: false))
        XCTAssertEqual(JSONText.canonical("[1,2]", requireObject: false), "[1,2]")
    }
}
