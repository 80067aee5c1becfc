// Engine: the one input-dtype rule, for every model kind. A model's description lists each input's
// dtype; an input array of another numeric dtype is accepted when that dtype holds its values:
// every array converts to a float32 input, and an integer input (uint8, int8, int16) takes whole
// numbers within its range from any dtype. Anything else is refused naming the input, both dtypes
// and the first value that does not fit — never clamped or truncated silently.
import Foundation
import Tensors

public enum InputDType {
    /// `array` in the `described` dtype of input `input`; throws `EngineError.badInput` when a value
    /// does not fit. An unknown `described` dtype leaves the array to the engine.
    public static func conform(_ array: NDArray, to described: String, input: String) throws -> NDArray {
        guard let target = DType(rawValue: described), target != array.dtype else { return array }
        if target == .float32 { return NDArray(array.floats()) }
        guard let range = range(of: target) else { return array }
        let values = array.doubles()
        if let bad = values.firstIndex(where: { !$0.isFinite || $0.rounded() != $0 || !range.contains($0) }) {
            throw EngineError.badInput(
                "input '\(input)' is \(described) (the model's description lists it): the \(array.dtype.rawValue) "
                    + "value \(values[bad]) at flat index \(bad) is not a whole number in "
                    + "\(Int(range.lowerBound))...\(Int(range.upperBound)); send \(described) values")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * target.byteSize)
        for value in values {
            let integer = Int64(value)
            for k in 0..<target.byteSize { bytes.append(UInt8(truncatingIfNeeded: integer >> (8 * k))) }
        }
        return try NDArray(dtype: target, shape: array.shape, bytes: bytes)
    }

    /// The values an integer input dtype holds; nil for dtypes this rule leaves to the engine.
    static func range(of dtype: DType) -> ClosedRange<Double>? {
        switch dtype {
        case .uint8: return 0...255
        case .int8: return -128...127
        case .int16: return -32768...32767
        case .uint16: return 0...65535
        default: return nil
        }
    }
}
