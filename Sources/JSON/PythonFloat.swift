// Python's `repr` of a float, which json.dumps writes: the shortest digits that read back to
// the same Double, in fixed notation when the decimal exponent is in -4...15 (always with a
// fraction, "1.0") and in scientific notation otherwise ("1e-05", "1.5e+16"). Swift's
// `description` gives the same shortest digits but switches to scientific notation at 2^53.

enum PythonFloat {
    static func repr(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        let swift = d.description
        // Swift writes fixed notation only inside Python's fixed range, with the same digits.
        guard swift.contains("e") else { return swift }

        var body = Substring(swift)
        let sign = body.first == "-" ? "-" : ""
        if !sign.isEmpty { body = body.dropFirst() }
        let parts = body.split(separator: "e")
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let whole = mantissa[0]
        var digits = Array(whole + (mantissa.count > 1 ? mantissa[1] : ""))
        // `point`: how many digits stand before the decimal point.
        var point = whole.count + (Int(parts[1]) ?? 0)
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }

        let exponent = point - 1
        if (-4..<16).contains(exponent) {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
            if point >= digits.count {
                return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0"
            }
            return sign + String(digits[..<point]) + "." + String(digits[point...])
        }
        let fraction = digits.count > 1 ? "." + String(digits[1...]) : ""
        let magnitude = String(abs(exponent))
        return sign + String(digits[0]) + fraction + "e" + (exponent < 0 ? "-" : "+")
            + (magnitude.count < 2 ? "0" : "") + magnitude
    }
}
