// HTTPServer: the one escaper for text that goes into a log line. A request path is decoded by
// libmicrohttpd, so `%0A` arrives as a newline: written raw it would start a forged second line.
// Control characters and backslashes become `\xNN` / `\\`, so one event is one line; in a field
// of an access-log line spaces are escaped too, so its fields split on spaces.

public enum LogText {
    /// `text` as one access-log field: no control characters, no spaces.
    public static func escape(_ text: String) -> String { escape(text, spaces: true) }

    /// `text` as a log message: spaces kept, control characters escaped.
    public static func escape(message text: String) -> String { escape(text, spaces: false) }

    private static func escape(_ text: String, spaces: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5C: out += "\\\\"
            case 0x20 where !spaces: out += " "
            case 0...0x20, 0x7F...0x9F, 0x2028, 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value > 0xFF ? "\\u" + hex : "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
