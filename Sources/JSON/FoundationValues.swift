// Foundation values (what JSONSerialization returns and Swift dictionaries of JSON-like values
// hold) as a JSONValue: objects get their keys in code-point order, so equal objects write
// identically; numbers keep the kind they were boxed as.
import Foundation

extension JSONValue {
    public struct UnsupportedValue: Error, CustomStringConvertible {
        public let typeName: String
        public var description: String { "JSON writer: \(typeName) is not a JSON value" }
    }

    /// Converts String, NSNull, [String: Any], [Any] and NSNumber (Bool, integers, floats)
    /// recursively; non-finite floats become null, as strict JSON has no NaN or Infinity.
    public init(foundation value: Any) throws {
        switch value {
        case let value as JSONValue:
            self = value
        case let text as String:
            self = .string(text)
        case is NSNull:
            self = .null
        case let object as [String: Any]:
            self = .object(try object.keys.sorted().map { ($0, try JSONValue(foundation: object[$0]!)) })
        case let array as [Any]:
            self = .array(try array.map { try JSONValue(foundation: $0) })
        case let number as NSNumber:
            self = JSONValue(number)
        default:
            throw UnsupportedValue(typeName: "\(type(of: value))")
        }
    }

    private init(_ number: NSNumber) {
        switch String(cString: number.objCType) {
        case "c", "B":
            // Booleans box as char; JSON true/false and small chars from parsers both land here.
            let value = number.int64Value
            self = value == 0 ? .bool(false) : (value == 1 ? .bool(true) : .integer(value))
        case "f", "d":
            let value = number.doubleValue
            self = value.isFinite ? .float(value) : .null
        case "Q", "L", "I", "S":
            let value = number.uint64Value
            self = Int64(exactly: value).map { .integer($0) } ?? .float(Double(value))
        default:
            self = .integer(number.int64Value)
        }
    }
}
