// NumPyIO: reading and writing NumPy `.npy` arrays (format versions 1.0–3.0).
// Accepted: every numeric dtype and bool, little-endian or byte-order-free, C order.
// Rejected with a `NumPyError` saying what is wrong: bad magic, malformed header,
// Fortran order, object or structured dtypes, big-endian data, size mismatches.
import Foundation
import Tensors

public enum NumPyError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .malformed(let s): return "malformed .npy: \(s)"
        case .unsupported(let s): return "unsupported .npy: \(s)"
        }
    }
}

/// The parsed header of a `.npy` file.
public struct NPYHeader: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int]
    /// Offset of the first data byte from the start of the file.
    public var dataOffset: Int

    public var dataByteCount: Int { shape.reduce(1, *) * dtype.byteSize }
}

public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// Upper bound on header length; NumPy itself refuses headers above 10 000 bytes by default.
    static let maxHeaderLength = 65_536
    /// Upper bound on elements in one array (2^40) so that size arithmetic cannot overflow.
    static let maxElements = 1 << 40

    /// Parses the header at the start of `prefix` (which may hold more than the header).
    public static func parseHeader(_ prefix: [UInt8]) throws -> NPYHeader {
        guard prefix.count >= 10 else { throw NumPyError.malformed("file is shorter than the 10-byte preamble") }
        guard Array(prefix[0..<6]) == magic else { throw NumPyError.malformed("missing \\x93NUMPY magic") }
        let major = prefix[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
            headerStart = 10
        case 2, 3:
            guard prefix.count >= 12 else { throw NumPyError.malformed("truncated version \(major) preamble") }
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
            headerStart = 12
        default:
            throw NumPyError.unsupported("format version \(major).\(prefix[7])")
        }
        guard headerLength <= maxHeaderLength else {
            throw NumPyError.malformed("header length \(headerLength) exceeds \(maxHeaderLength) bytes")
        }
        guard prefix.count >= headerStart + headerLength else {
            throw NumPyError.malformed("header is truncated (needs \(headerLength) bytes)")
        }
        guard
            let text = String(
                bytes: prefix[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1)
        else {
            throw NumPyError.malformed("header is not text")
        }
        let dict = try HeaderDictionary.parse(text)
        guard let descr = dict["descr"] else { throw NumPyError.malformed("header has no 'descr'") }
        guard let fortran = dict["fortran_order"] else { throw NumPyError.malformed("header has no 'fortran_order'") }
        guard let shapeText = dict["shape"] else { throw NumPyError.malformed("header has no 'shape'") }
        guard case .string(let descrString) = descr else {
            throw NumPyError.unsupported("structured dtype \(descr); only plain numeric dtypes are accepted")
        }
        let dtype = try parseDescr(descrString)
        guard case .bool(let isFortran) = fortran else {
            throw NumPyError.malformed("'fortran_order' is not True/False")
        }
        if isFortran { throw NumPyError.unsupported("Fortran-order arrays; save with np.ascontiguousarray first") }
        guard case .tuple(let dims) = shapeText else { throw NumPyError.malformed("'shape' is not a tuple") }
        // Bound the product of the non-zero dimensions so that no later size arithmetic overflows.
        var bound = 1
        for d in dims {
            guard d >= 0 else { throw NumPyError.malformed("negative dimension in shape \(dims)") }
            let (product, overflow) = bound.multipliedReportingOverflow(by: max(d, 1))
            guard !overflow, product <= maxElements else { throw NumPyError.malformed("shape \(dims) is too large") }
            bound = product
        }
        return NPYHeader(dtype: dtype, shape: dims, dataOffset: headerStart + headerLength)
    }

    /// The `descr` code (after the byte-order character) of every dtype, for reading and writing;
    /// numpy also writes bool as "?".
    static let dtypeCodes: [(code: String, dtype: DType)] = [
        ("b1", .bool), ("i1", .int8), ("u1", .uint8), ("i2", .int16), ("u2", .uint16), ("i4", .int32),
        ("u4", .uint32), ("i8", .int64), ("u8", .uint64), ("f2", .float16), ("f4", .float32), ("f8", .float64),
    ]

    static func parseDescr(_ descr: String) throws -> DType {
        guard let first = descr.first else { throw NumPyError.malformed("empty 'descr'") }
        var order = first
        var code = Substring(descr)
        if "<>|=".contains(first) { code = code.dropFirst() } else { order = "=" }
        guard let dtype = code == "?" ? .bool : dtypeCodes.first(where: { $0.code == code })?.dtype else {
            if code.hasPrefix("O") { throw NumPyError.unsupported("object arrays (dtype 'O') are never loaded") }
            throw NumPyError.unsupported("dtype '\(descr)'; accepted: bool, int8..int64, uint8..uint64, float16/32/64")
        }
        if order == ">" && dtype.byteSize > 1 {
            throw NumPyError.unsupported("big-endian dtype '\(descr)'; convert with arr.astype('<\(code)')")
        }
        return dtype
    }

    /// Decodes a whole `.npy` file held in memory.
    public static func decode(_ data: [UInt8]) throws -> NDArray {
        let header = try parseHeader(data)
        let end = header.dataOffset + header.dataByteCount
        guard data.count >= end else {
            throw NumPyError.malformed(
                "data is truncated: shape \(header.shape) of \(header.dtype.rawValue) needs \(header.dataByteCount) "
                    + "bytes, file has \(data.count - header.dataOffset)"
            )
        }
        guard data.count == end else {
            throw NumPyError.malformed("\(data.count - end) unexpected bytes after the array data")
        }
        return try NDArray(dtype: header.dtype, shape: header.shape, bytes: Array(data[header.dataOffset..<end]))
    }

    public static func read(contentsOf url: URL) throws -> NDArray {
        try decode([UInt8](Data(contentsOf: url)))
    }

    /// Encodes `array` as a version 1.0 `.npy` file (version 2.0 when the header needs it).
    public static func encode(_ array: NDArray) -> [UInt8] {
        header(dtype: array.dtype, shape: array.shape) + array.bytes
    }

    /// The preamble and header of a `.npy` file holding `shape` of `dtype`: the data follows it.
    static func header(dtype: DType, shape dims: [Int]) -> [UInt8] {
        // Every DType has a code; single bytes have no byte order ("|").
        let code = dtypeCodes.first { $0.dtype == dtype }!.code
        let descr = (dtype.byteSize == 1 ? "|" : "<") + code
        let shape: String
        switch dims.count {
        case 0: shape = "()"
        case 1: shape = "(\(dims[0]),)"
        default: shape = "(" + dims.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // Pad with spaces so that the data starts on a 64-byte boundary; end with '\n'.
        let useV2 = header.utf8.count + 11 > 65_535
        let preamble = useV2 ? 12 : 10
        let padding = (64 - (preamble + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var out = magic
        let length = header.utf8.count
        if useV2 {
            out += [
                2, 0, UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff),
                UInt8(length >> 24 & 0xff),
            ]
        } else {
            out += [1, 0, UInt8(length & 0xff), UInt8(length >> 8)]
        }
        out += Array(header.utf8)
        return out
    }

    public static func write(_ array: NDArray, to url: URL) throws {
        try Data(encode(array)).write(to: url, options: .atomic)
    }
}

/// The Python-literal dictionary of a `.npy` header: string keys mapping to strings,
/// booleans or tuples of non-negative integers. Anything else is malformed.
enum HeaderDictionary {
    enum Value: Equatable, CustomStringConvertible {
        case string(String), bool(Bool), tuple([Int]), other(String)
        var description: String {
            switch self {
            case .string(let s): return "'\(s)'"
            case .bool(let b): return b ? "True" : "False"
            case .tuple(let t): return "\(t)"
            case .other(let s): return s
            }
        }
    }

    static func parse(_ text: String) throws -> [String: Value] {
        var chars = Array(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard chars.first == "{", chars.last == "}" else {
            throw NumPyError.malformed("header is not a Python dict literal")
        }
        chars.removeFirst(); chars.removeLast()
        var i = 0
        var result: [String: Value] = [:]
        func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        func parseString() throws -> String {
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else {
                throw NumPyError.malformed("expected a quoted string in header")
            }
            let quote = chars[i]; i += 1
            var s = ""
            while i < chars.count, chars[i] != quote { s.append(chars[i]); i += 1 }
            guard i < chars.count else { throw NumPyError.malformed("unterminated string in header") }
            i += 1
            return s
        }
        while true {
            skipSpace()
            if i >= chars.count { break }
            let key = try parseString()
            skipSpace()
            guard i < chars.count, chars[i] == ":" else {
                throw NumPyError.malformed("expected ':' after '\(key)' in header")
            }
            i += 1
            skipSpace()
            guard i < chars.count else { throw NumPyError.malformed("missing value for '\(key)'") }
            let value: Value
            if chars[i] == "'" || chars[i] == "\"" {
                value = .string(try parseString())
            } else if chars[i] == "(" {
                i += 1
                var dims: [Int] = []
                var token = ""
                while i < chars.count, chars[i] != ")" {
                    if chars[i] == "," {
                        if !token.isEmpty { dims.append(try dimension(token)); token = "" }
                    } else if !chars[i].isWhitespace {
                        token.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw NumPyError.malformed("unterminated shape tuple") }
                if !token.isEmpty { dims.append(try dimension(token)) }
                i += 1
                value = .tuple(dims)
            } else if chars[i] == "[" {
                // Structured dtype descriptions are lists; capture to the matching bracket.
                var depth = 0
                var s = ""
                repeat {
                    if chars[i] == "[" { depth += 1 }
                    if chars[i] == "]" { depth -= 1 }
                    s.append(chars[i]); i += 1
                } while i < chars.count && depth > 0
                value = .other(s)
            } else {
                var token = ""
                while i < chars.count, chars[i] != ",", !chars[i].isWhitespace { token.append(chars[i]); i += 1 }
                switch token {
                case "True": value = .bool(true)
                case "False": value = .bool(false)
                default: value = .other(token)
                }
            }
            result[key] = value
            skipSpace()
            if i < chars.count, chars[i] == "," { i += 1 }
        }
        return result
    }

    private static func dimension(_ token: String) throws -> Int {
        let trimmed = token.hasSuffix("L") ? String(token.dropLast()) : token
        guard let d = Int(trimmed), d >= 0 else { throw NumPyError.malformed("bad dimension '\(token)' in shape") }
        return d
    }
}
