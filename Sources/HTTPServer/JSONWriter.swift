// HTTPServer: a small JSON writer for Foundation values (dictionaries with sorted keys, arrays,
// strings, numbers, booleans, NSNull). Foundation's JSONSerialization sorts keys with locale-aware
// ICU collation and bridges every value, which cost ~75% of a JSON route's CPU time on Linux.
import Foundation

public struct JSONWriterError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "JSON writer: \(message)" }
}

public enum JSONWriter {
    /// Serialises `value` compactly; object keys in code-point order, '/' not escaped.
    public static func data(_ value: Any) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try write(value, into: &out)
        return out
    }

    static func write(_ value: Any, into out: inout [UInt8]) throws {
        switch value {
        case let text as String:
            writeString(text, into: &out)
        case is NSNull:
            out += Array("null".utf8)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(object[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let number as NSNumber:
            out += Array(numberText(number).utf8)
        default:
            throw JSONWriterError(message: "\(type(of: value)) is not a JSON value")
        }
    }

    static func numberText(_ number: NSNumber) -> String {
        switch String(cString: number.objCType) {
        case "c", "B":
            // Booleans box as char; JSON true/false and small chars from parsers both land here.
            let value = number.int64Value
            return value == 0 ? "false" : (value == 1 ? "true" : String(value))
        case "f", "d":
            let value = number.doubleValue
            guard value.isFinite else { return "null" }
            return "\(value)"
        case "Q", "L", "I", "S":
            return String(number.uint64Value)
        default:
            return String(number.int64Value)
        }
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
