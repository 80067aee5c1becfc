// HTTPServer: file downloads — a Content-Disposition that cannot carry a path or break the header
// (base name, no control characters, quotes escaped, RFC 6266/5987 `filename*` for non-ASCII),
// and the conditional and partial GETs of RFC 9110 for a file named by a strong ETag
// (If-None-Match → 304, one byte range → 206, unsatisfiable → 416). Bytes stream from the file.
import Foundation

public enum ContentDisposition {
    /// `attachment; filename="…"` with the base name of `name` in ASCII, plus
    /// `filename*=UTF-8''…` when the name is not plain ASCII.
    public static func attachment(_ name: String) -> String {
        let base = baseName(name)
        var ascii = ""
        for scalar in base.unicodeScalars {
            switch scalar {
            case "\"", "\\": ascii += "\\" + String(scalar)
            case " "..."~": ascii.unicodeScalars.append(scalar)
            default: ascii += "_"
            }
        }
        var value = "attachment; filename=\"\(ascii)\""
        if base.unicodeScalars.contains(where: { !(" "..."~").contains($0) }) {
            value += "; filename*=UTF-8''" + percentEncoded(base)
        }
        return value
    }

    /// The last path component of `name` with control characters removed; never empty, ".", "..".
    static func baseName(_ name: String) -> String {
        let cleaned = String(
            String.UnicodeScalarView(name.unicodeScalars.filter { $0.properties.generalCategory != .control }))
        let last = cleaned.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let trimmed = last.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed == "." || trimmed == ".." ? "download" : trimmed
    }

    /// RFC 5987 `value-chars`: attr-char stays, every other UTF-8 byte is %XX.
    static func percentEncoded(_ text: String) -> String {
        let attrChars = Set("!#$&+-.^_`|~".utf8)
        var out = ""
        for byte in text.utf8 {
            let isAlphanumeric =
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            if isAlphanumeric || attrChars.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

extension Response {
    /// The file at `path` (`size` bytes, strong validator `etag` without quotes) as `request` asks
    /// for it: 304 when If-None-Match names the ETag, 206 for one satisfiable byte range, 416 when
    /// the range lies past the end, else 200. Multiple ranges, or an If-Range that no longer
    /// matches, get the whole file (RFC 9110 lets a server ignore Range).
    public static func download(
        _ path: String, size: Int64, etag: String, contentType: String, downloadName: String?, request: Request
    ) -> Response {
        let tag = "\"\(etag)\""
        var common: [(name: String, value: String)] = [("ETag", tag), ("Accept-Ranges", "bytes")]
        if let name = downloadName { common.append(("Content-Disposition", ContentDisposition.attachment(name))) }
        if let condition = request.header("if-none-match"), matches(condition, tag) {
            return Response(status: 304, headers: common, body: .bytes([]))
        }
        let rangeApplies = request.header("if-range").map { $0.trimmingCharacters(in: .whitespaces) == tag } ?? true
        if rangeApplies, let header = request.header("range") {
            switch ByteRange.parse(header, size: size) {
            case .satisfiable(let first, let last):
                var response = Response(
                    status: 206, headers: common + [("Content-Type", contentType)],
                    body: .file(path: path, offset: first, length: last - first + 1))
                response.headers.append(("Content-Range", "bytes \(first)-\(last)/\(size)"))
                return response
            case .unsatisfiable:
                var problem = HTTPProblem(
                    status: 416, title: "Range Not Satisfiable",
                    detail: "the range '\(header.prefix(100))' starts past the end of the \(size)-byte file",
                    extra: ["size": size])
                problem.headers = [("Content-Range", "bytes */\(size)")]
                return problem.response(instance: request.path)
            case .ignored:
                break
            }
        }
        return Response(status: 200, headers: common + [("Content-Type", contentType)], body: .file(path: path))
    }

    /// If-None-Match: `*` or a list of entity tags; weak comparison (W/ prefixes ignored).
    static func matches(_ condition: String, _ tag: String) -> Bool {
        let trimmed = condition.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return true }
        return trimmed.split(separator: ",").contains {
            var candidate = $0.trimmingCharacters(in: .whitespaces)
            if candidate.hasPrefix("W/") { candidate.removeFirst(2) }
            return candidate == tag
        }
    }
}

/// A `Range: bytes=…` header against a file of known size.
enum ByteRange: Equatable {
    case satisfiable(first: Int64, last: Int64)
    case unsatisfiable
    /// Not a single well-formed byte range: answer with the whole file.
    case ignored

    static func parse(_ header: String, size: Int64) -> ByteRange {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes=") else { return .ignored }
        let spec = text.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .ignored }
        let start = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let end = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        let digits = CharacterSet.decimalDigits
        guard start.unicodeScalars.allSatisfy(digits.contains), end.unicodeScalars.allSatisfy(digits.contains)
        else { return .ignored }
        if start.isEmpty {
            // A suffix range: the last N bytes.
            guard let count = Int64(end) else { return end.isEmpty ? .ignored : .satisfiable(first: 0, last: size - 1) }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(first: max(0, size - count), last: size - 1)
        }
        guard let first = Int64(start) else { return .unsatisfiable }  // beyond Int64: past any end
        guard first < size else { return .unsatisfiable }
        guard !end.isEmpty else { return .satisfiable(first: first, last: size - 1) }
        let last = Int64(end) ?? Int64.max
        guard last >= first else { return .ignored }
        return .satisfiable(first: first, last: min(last, size - 1))
    }
}
