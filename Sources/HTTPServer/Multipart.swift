// HTTPServer: a streaming multipart/form-data parser (RFC 7578 / RFC 2046 §5.1).
// Bytes are fed in arbitrary chunks; a delimiter split across chunks is found because the
// parser keeps back the last (delimiter length − 1) bytes of part data until more arrives.
import Foundation

public struct MultipartError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { "malformed multipart/form-data: \(message)" }
}

/// The headers of one part.
public struct MultipartPart: Equatable {
    public var headers: [String: String]
    /// `name` parameter of Content-Disposition.
    public var name: String?
    /// `filename` parameter of Content-Disposition (only the last path component is kept).
    public var filename: String?
    public var contentType: String?
}

public enum MultipartEvent {
    case partBegin(MultipartPart)
    /// Part bytes; valid only during the callback.
    case data(UnsafeRawBufferPointer)
    case partEnd
}

public struct MultipartParser {
    enum State { case preamble, afterDelimiter, headers, body, done }

    /// Upper bound on one part's header block, so a hostile body cannot grow the buffer.
    public static let maxHeaderBytes = 16 * 1024

    private let delimiter: [UInt8]  // CRLF "--" boundary
    private var pending: [UInt8]
    private var state = State.preamble

    public init(boundary: String) throws {
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw MultipartError(message: "boundary must be 1 to 70 characters")
        }
        delimiter = Array("\r\n--\(boundary)".utf8)
        // A virtual CRLF lets the first boundary (at the very start of the body) match the
        // same delimiter as every later one.
        pending = [0x0D, 0x0A]
    }

    /// The `boundary` parameter of a `multipart/form-data` Content-Type, or nil if the type is
    /// not multipart/form-data. Throws when the type is multipart but has no usable boundary.
    public static func boundary(contentType: String) throws -> String? {
        let params = HeaderParameters.parse(contentType)
        guard params.value.lowercased() == "multipart/form-data" else { return nil }
        guard let boundary = params.parameters["boundary"], !boundary.isEmpty else {
            throw MultipartError(message: "Content-Type multipart/form-data has no boundary parameter")
        }
        return boundary
    }

    public var isComplete: Bool { state == .done }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ handle: (MultipartEvent) throws -> Void) throws {
        if state == .done { return }  // the epilogue is ignored
        pending.append(contentsOf: chunk)
        var position = 0
        defer {
            if position > 0 { pending.removeFirst(min(position, pending.count)) }
        }
        while true {
            switch state {
            case .preamble:
                if let index = find(delimiter, from: position) {
                    position = index + delimiter.count
                    state = .afterDelimiter
                } else {
                    position = max(position, pending.count - (delimiter.count - 1))
                    return
                }
            case .afterDelimiter:
                guard pending.count - position >= 2 else { return }
                let a = pending[position], b = pending[position + 1]
                if a == 0x2D && b == 0x2D {
                    state = .done
                    position = pending.count
                    return
                } else if a == 0x0D && b == 0x0A {
                    position += 2
                    state = .headers
                } else {
                    throw MultipartError(message: "a boundary must be followed by CRLF or '--'")
                }
            case .headers:
                let end: Int
                let next: Int
                if pending.count - position >= 2 && pending[position] == 0x0D && pending[position + 1] == 0x0A {
                    end = position
                    next = position + 2
                } else if let index = find([0x0D, 0x0A, 0x0D, 0x0A], from: position) {
                    end = index
                    next = index + 4
                } else {
                    if pending.count - position > MultipartParser.maxHeaderBytes {
                        throw MultipartError(message: "part headers exceed \(MultipartParser.maxHeaderBytes) bytes")
                    }
                    return
                }
                guard end - position <= MultipartParser.maxHeaderBytes else {
                    throw MultipartError(message: "part headers exceed \(MultipartParser.maxHeaderBytes) bytes")
                }
                let part = try MultipartParser.parsePart(Array(pending[position..<end]))
                position = next
                state = .body
                try handle(.partBegin(part))
            case .body:
                if let index = find(delimiter, from: position) {
                    if index > position { try emit(position, index, handle) }
                    position = index + delimiter.count
                    state = .afterDelimiter
                    try handle(.partEnd)
                } else {
                    let safe = pending.count - (delimiter.count - 1)
                    if safe > position {
                        try emit(position, safe, handle)
                        position = safe
                    }
                    return
                }
            case .done:
                position = pending.count
                return
            }
        }
    }

    /// Call after the last chunk: the body must have ended with the closing delimiter.
    public func finish() throws {
        switch state {
        case .done: return
        case .preamble: throw MultipartError(message: "no boundary found in the body")
        default: throw MultipartError(message: "the body ended before the closing boundary")
        }
    }

    private func emit(_ from: Int, _ to: Int, _ handle: (MultipartEvent) throws -> Void) throws {
        try pending.withUnsafeBytes { raw in
            try handle(.data(UnsafeRawBufferPointer(rebasing: raw[from..<to])))
        }
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard pending.count - start >= needle.count, let first = needle.first else { return nil }
        return pending.withUnsafeBufferPointer { hay -> Int? in
            guard let base = hay.baseAddress else { return nil }
            var index = start
            let last = hay.count - needle.count
            while index <= last {
                guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                index = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + index, needle, needle.count) == 0 { return index }
                index += 1
            }
            return nil
        }
    }

    static func parsePart(_ block: [UInt8]) throws -> MultipartPart {
        guard let text = String(bytes: block, encoding: .utf8) ?? String(bytes: block, encoding: .isoLatin1) else {
            throw MultipartError(message: "part headers are not text")
        }
        var headers: [String: String] = [:]
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw MultipartError(message: "part header line without ':' (\(line.prefix(60)))")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let disposition = headers["content-disposition"] else {
            throw MultipartError(message: "part has no Content-Disposition header")
        }
        let parsed = HeaderParameters.parse(disposition)
        guard parsed.value.lowercased() == "form-data" else {
            throw MultipartError(message: "part disposition is '\(parsed.value)', expected form-data")
        }
        let filename = parsed.parameters["filename"].map { name -> String in
            // Browsers on Windows send full paths; keep the last component only.
            let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
            return last
        }
        return MultipartPart(
            headers: headers, name: parsed.parameters["name"], filename: filename,
            contentType: headers["content-type"])
    }
}

/// `value; key=token; key="quoted \" string"` as found in Content-Type and Content-Disposition.
public struct HeaderParameters {
    public var value: String
    public var parameters: [String: String]

    public static func parse(_ header: String) -> HeaderParameters {
        var items: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for ch in header {
            if escaped { current.append(ch); escaped = false; continue }
            if quoted && ch == "\\" { escaped = true; continue }
            if ch == "\"" { quoted.toggle(); continue }
            if ch == ";" && !quoted { items.append(current); current = ""; continue }
            current.append(ch)
        }
        items.append(current)
        let value = items.first?.trimmingCharacters(in: .whitespaces) ?? ""
        var parameters: [String: String] = [:]
        for item in items.dropFirst() {
            guard let eq = item.firstIndex(of: "=") else { continue }
            let key = item[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            parameters[key] = item[item.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return HeaderParameters(value: value, parameters: parameters)
    }
}
