// JSONValue: an order-preserving JSON document, used for Keras model configs, q_configs
// and anything else whose key order should survive a read/write round trip.
import Foundation

public enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in document order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            // Objects compare as JSON does: the same keys with equal values, in any order.
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
    public var double: Double? { if case .number(let d) = self { return d }; return nil }
    public var int: Int? {
        if case .number(let d) = self, d == d.rounded(), abs(d) < 9.0e15 { return Int(d) }
        return nil
    }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectPairs: [(String, JSONValue)]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// Returns a copy with `key` set (replaced in place, or appended).
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }

    // MARK: parsing and printing

    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String { switch self { case .invalid(let s): return "invalid JSON: \(s)" } }
    }

    public init(parsing text: String) throws {
        var parser = Parser(bytes: Array(text.utf8))
        self = try parser.parseDocument()
    }

    public init(parsing data: Data) throws {
        var parser = Parser(bytes: [UInt8](data))
        self = try parser.parseDocument()
    }

    /// Compact JSON text (`sortKeys` sorts object keys; otherwise document order).
    public func serialized(pretty: Bool = false, sortKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, sortKeys: sortKeys, indent: 0)
        return out
    }

    public var description: String { serialized() }

    private func write(to out: inout String, pretty: Bool, sortKeys: Bool, indent: Int) {
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let close = pretty ? String(repeating: "  ", count: indent) : ""
        let nl = pretty ? "\n" : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + nl
            for (i, item) in items.enumerated() {
                out += pad
                item.write(to: &out, pretty: pretty, sortKeys: sortKeys, indent: indent + 1)
                out += (i + 1 < items.count ? "," : "") + nl
            }
            out += close + "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            let ordered = sortKeys ? pairs.sorted { $0.0 < $1.0 } : pairs
            out += "{" + nl
            for (i, (key, value)) in ordered.enumerated() {
                out += pad
                JSONValue.quote(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(to: &out, pretty: pretty, sortKeys: sortKeys, indent: indent + 1)
                out += (i + 1 < ordered.count ? "," : "") + nl
            }
            out += close + "}"
        }
    }

    /// Integers print without a fraction; other numbers with the shortest round-trip form.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        if d == d.rounded(), abs(d) < 1e16 { return String(Int64(d)) }
        return "\(d)"
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0
        var depth = 0
        static let maxDepth = 512

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func parseDocument() throws -> JSONValue {
            let value = try parseValue()
            skipSpace()
            guard i == bytes.count else { throw ParseError.invalid("trailing characters at offset \(i)") }
            return value
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[i]) { i += 1 }
        }

        mutating func parseValue() throws -> JSONValue {
            skipSpace()
            guard i < bytes.count else { throw ParseError.invalid("unexpected end of input") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                depth += 1
                defer { depth -= 1 }
                guard depth < Parser.maxDepth else { throw ParseError.invalid("nesting deeper than \(Parser.maxDepth)") }
                i += 1
                var pairs: [(String, JSONValue)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    let key = try parseString()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw ParseError.invalid("expected ':' at offset \(i)") }
                    i += 1
                    pairs.append((key, try parseValue()))
                    skipSpace()
                    guard i < bytes.count else { throw ParseError.invalid("unterminated object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                    throw ParseError.invalid("expected ',' or '}' at offset \(i)")
                }
            case UInt8(ascii: "["):
                depth += 1
                defer { depth -= 1 }
                guard depth < Parser.maxDepth else { throw ParseError.invalid("nesting deeper than \(Parser.maxDepth)") }
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try parseValue())
                    skipSpace()
                    guard i < bytes.count else { throw ParseError.invalid("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw ParseError.invalid("expected ',' or ']' at offset \(i)")
                }
            case UInt8(ascii: "\""):
                return .string(try parseString())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "N"): try expect("NaN"); return .number(.nan)
            case UInt8(ascii: "I"): try expect("Infinity"); return .number(.infinity)
            default:
                return .number(try parseNumber())
            }
        }

        mutating func expect(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else {
                throw ParseError.invalid("unexpected token at offset \(i)")
            }
            i += w.count
        }

        mutating func parseNumber() throws -> Double {
            let start = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "I") { try expect("Infinity"); return -.infinity }
            }
            while i < bytes.count, let c = Optional(bytes[i]),
                  (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
            }
            guard i > start, let text = String(bytes: bytes[start..<i], encoding: .ascii), let d = Double(text) else {
                throw ParseError.invalid("bad number at offset \(start)")
            }
            return d
        }

        mutating func parseString() throws -> String {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw ParseError.invalid("expected a string at offset \(i)") }
            i += 1
            var buffer: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    guard let s = String(bytes: buffer, encoding: .utf8) else { throw ParseError.invalid("string is not UTF-8") }
                    return s
                }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.count else { break }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "n"): buffer.append(0x0a)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "r"): buffer.append(0x0d)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0c)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count,
                           bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            i += 2
                            let low = try hex4()
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                        buffer += Array(String(scalar).utf8)
                    default: buffer.append(e)
                    }
                    continue
                }
                buffer.append(c)
                i += 1
            }
            throw ParseError.invalid("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count, let text = String(bytes: bytes[i..<(i + 4)], encoding: .ascii),
                  let v = UInt32(text, radix: 16) else { throw ParseError.invalid("bad \\u escape at offset \(i)") }
            i += 4
            return v
        }
    }
}
