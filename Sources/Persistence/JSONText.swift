// JSONText: the canonical form in which the store keeps JSON text (job params, results, errors,
// model descriptions) — compact, object keys sorted, slashes unescaped. Earlier builds wrote it
// with Foundation's JSONSerialization; this form is byte-identical to theirs (its key order, and
// integral numbers below 1e16 written without a fraction), so stored rows and resubmitted params
// compare equal across versions.
import Foundation
import JSON

public enum JSONText {
    /// Parses `text` and writes it in canonical form; nil when it is not strict JSON (NaN and
    /// Infinity are not) or, with `requireObject`, not an object.
    public static func canonical(_ text: String, requireObject: Bool) -> String? {
        guard let value = try? JSONValue(parsing: text), value.isStrict else { return nil }
        if requireObject && value.objectPairs == nil { return nil }
        return canonical(value)
    }

    /// The canonical text of `value`.
    public static func canonical(_ value: JSONValue) -> String {
        sorted(value).serialized(.compact)
    }

    /// Keys in JSONSerialization's `.sortedKeys` order (a repeated key keeps its last value);
    /// integral floats as integers, as JSONSerialization writes them.
    static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let pairs):
            var last: [String: JSONValue] = [:]
            for (key, item) in pairs { last[key] = item }
            return .object(last.keys.sorted(by: precedes).map { ($0, sorted(last[$0]!)) })
        case .array(let items):
            return .array(items.map(sorted))
        case .float(let d):
            return JSONValue.number(d)
        default:
            return value
        }
    }

    static func precedes(_ a: String, _ b: String) -> Bool {
        let options: String.CompareOptions = [.numeric, .caseInsensitive, .forcedOrdering]
        return a.compare(b, options: options, range: a.startIndex..<a.endIndex, locale: NSLocale.system)
            == .orderedAscending
    }
}

extension JSONValue {
    /// True when every number is finite (JSON proper has no NaN or Infinity).
    fileprivate var isStrict: Bool {
        switch self {
        case .float(let d): return d.isFinite
        case .array(let items): return items.allSatisfy(\.isStrict)
        case .object(let pairs): return pairs.allSatisfy { $0.1.isStrict }
        default: return true
        }
    }
}
