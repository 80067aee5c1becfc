// The JSON parser behind `JSONValue(parsing:)`. It accepts what Python's json module writes,
// including NaN, Infinity and -Infinity, and keeps integers (no fraction or exponent) apart from
// floats; an integer too large for Int64 becomes a float.
import Foundation

extension JSONValue {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        /// What is wrong and at which byte.
        public let message: String
        public var description: String { "invalid JSON: \(message)" }
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    static let maxDepth = 512

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.i == bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    func error(_ message: String) -> JSONValue.ParseError {
        JSONValue.ParseError(message: "\(message) at byte \(i)")
    }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[i]) { i += 1 }
    }

    mutating func expect(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, bytes[i..<(i + w.count)].elementsEqual(w) else {
            throw error("expected '\(word)'")
        }
        i += w.count
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "N"): try expect("NaN"); return .float(.nan)
        case UInt8(ascii: "I"): try expect("Infinity"); return .float(.infinity)
        default: return try parseNumber()
        }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        i += 1
        var pairs: [(String, JSONValue)] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
        while true {
            skipSpace()
            let key = try parseString()
            skipSpace()
            try expect(":")
            pairs.append((key, try parseValue(depth: depth + 1)))
            skipSpace()
            guard i < bytes.count else { throw error("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            throw error("expected ',' or '}'")
        }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            items.append(try parseValue(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw error("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "I") { try expect("Infinity"); return .float(-.infinity) }
        }
        var isFloat = false
        while i < bytes.count {
            let c = bytes[i]
            if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                isFloat = true
                i += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if !isFloat, let n = Int64(text) { return .integer(n) }
        guard i > start, let d = Double(text) else {
            i = start
            throw error("bad number")
        }
        return .float(d)
    }

    mutating func parseString() throws -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string") }
        i += 1
        var buffer: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(bytes: buffer, encoding: .utf8) else { throw error("string is not UTF-8") }
                return s
            }
            i += 1
            guard c == UInt8(ascii: "\\") else {
                buffer.append(c)
                continue
            }
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
                buffer += Array(String(try parseEscapedScalar()).utf8)
            default: buffer.append(e)
            }
        }
        throw error("unterminated string")
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already read), joining a surrogate pair;
    /// a lone surrogate becomes U+FFFD.
    mutating func parseEscapedScalar() throws -> Unicode.Scalar {
        let code = try hex4()
        if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
            bytes[i + 1] == UInt8(ascii: "u")
        {
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { return "\u{FFFD}" }
            return Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
        }
        return Unicode.Scalar(code) ?? "\u{FFFD}"
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
        else { throw error("bad \\u escape") }
        i += 4
        return v
    }
}
