// Writing a JSONValue as text, in the layouts of Python's json module: `.compact` and `.indented`
// are `json.dumps` with `separators=(",", ":")` and with `indent=2` (both `ensure_ascii=False`),
// `.akida` is the layout of akida's `model_to_json`. Integers print as integers, floats as
// Python's `repr`, NaN and ±Infinity as Python writes them. This file holds the one JSON string
// escaper of SpikeForge.

public struct JSONStyle: Sendable {
    /// Spaces per nesting level; nil writes one line.
    public var indent: Int?
    /// Escapes every character outside printable ASCII as \uXXXX (json.dumps's `ensure_ascii`).
    public var asciiOnly: Bool
    /// akida's layout: arrays that hold only numbers (at any depth) on one line without spaces,
    /// and a multi-line array closes right after its last item.
    public var akidaArrays: Bool

    /// `json.dumps(value, separators=(",", ":"), ensure_ascii=False)`.
    public static let compact = JSONStyle(indent: nil, asciiOnly: false, akidaArrays: false)
    /// `json.dumps(value, indent=2, ensure_ascii=False)`.
    public static let indented = JSONStyle(indent: 2, asciiOnly: false, akidaArrays: false)
    /// The text of akida's `model_to_json`.
    public static let akida = JSONStyle(indent: 2, asciiOnly: true, akidaArrays: true)
}

extension JSONValue {
    /// The text of this value in `style`.
    public func serialized(_ style: JSONStyle) -> String {
        var out = ""
        JSONWriter(style: style).write(self, into: &out, level: 0)
        return out
    }

    /// Compact text, or two-space indented text when `pretty`.
    public func serialized(pretty: Bool = false) -> String {
        serialized(pretty ? .indented : .compact)
    }
}

struct JSONWriter {
    let style: JSONStyle

    func write(_ value: JSONValue, into out: inout String, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .float(let d): out += PythonFloat.repr(d)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            let inline = style.indent == nil || (style.akidaArrays && value.isNumericArray)
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                if !inline { newline(into: &out, level: level + 1) }
                write(item, into: &out, level: level + 1)
            }
            if !inline && !style.akidaArrays { newline(into: &out, level: level) }
            out += "]"
        case .object(let pairs):
            guard !pairs.isEmpty else { out += "{}"; return }
            out += "{"
            for (n, (key, item)) in pairs.enumerated() {
                if n > 0 { out += "," }
                newline(into: &out, level: level + 1)
                writeString(key, into: &out)
                out += style.indent == nil ? ":" : ": "
                write(item, into: &out, level: level + 1)
            }
            newline(into: &out, level: level)
            out += "}"
        }
    }

    private func newline(into out: inout String, level: Int) {
        guard let indent = style.indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * level)
    }

    /// Python's json string escaping: quote, backslash and the control characters (short forms
    /// where JSON has them), and with `asciiOnly` everything outside printable ASCII as \uXXXX
    /// UTF-16 units in lowercase hex.
    func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (style.asciiOnly && scalar.value > 0x7e) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue {
    /// An array whose items are numbers or arrays of numbers, at any depth.
    fileprivate var isNumericArray: Bool {
        guard case .array(let items) = self else { return false }
        return items.allSatisfy { $0.isNumber || $0.isNumericArray }
    }
}
