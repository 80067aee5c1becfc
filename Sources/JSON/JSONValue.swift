// JSONValue: the one JSON document type of SpikeForge — an order-preserving tree that keeps
// integers and floats apart, so a document read and written again keeps its key order and its
// `1` vs `1.0`. Keras model configs, q_configs, Akida model JSON, job parameters and HTTP
// bodies all use it. Parsing is in JSONParser.swift, writing in JSONWriter.swift.
import Foundation

public enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent (Python's `int`).
    case integer(Int64)
    /// A number written with a fraction or an exponent, or NaN/±Infinity (Python's `float`).
    case float(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in document order.
    case object([(String, JSONValue)])

    /// A number from a Double: integral values below 1e16 in magnitude become `.integer` (bit widths,
    /// shapes and axes computed as Double still write as integers), everything else `.float`.
    public static func number(_ d: Double) -> JSONValue {
        d == d.rounded() && abs(d) < 1e16 ? .integer(Int64(d)) : .float(d)
    }

    /// JSON's equality: numbers by value whatever their spelling (Python's `1 == 1.0`), objects
    /// as the same keys with equal values in any order.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.integer, .float), (.float, .integer), (.float, .float): return a.double == b.double
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            let yd = Dictionary(y, uniquingKeysWith: { first, _ in first })
            return x.allSatisfy { key, value in yd[key] == value }
        default: return false
        }
    }

    // MARK: access

    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first(where: { $0.0 == key })?.1
    }

    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }

    /// Any number as a Double.
    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    /// An integer, or a float with an integral value below 9e15 in magnitude (Keras configs
    /// sometimes write `2.0` where an integer is meant).
    public var int: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .float(let d) where d == d.rounded() && abs(d) < 9.0e15: return Int(d)
        default: return nil
        }
    }

    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectPairs: [(String, JSONValue)]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    public var isNumber: Bool {
        switch self {
        case .integer, .float: return true
        default: return false
        }
    }

    /// Returns a copy with `key` set (replaced in place, or appended).
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }

    // MARK: text

    public init(parsing text: String) throws {
        self = try JSONParser.parse(Array(text.utf8))
    }

    public init(parsing data: Data) throws {
        self = try JSONParser.parse([UInt8](data))
    }

    public init(parsing bytes: [UInt8]) throws {
        self = try JSONParser.parse(bytes)
    }

    /// Compact text.
    public var description: String { serialized(.compact) }
}
