// NDArray: a tensor whose element type is a run-time `DType`, stored as little-endian
// bytes. Files and HTTP bodies produce and consume these; numerics convert them to a
// typed `Tensor` with `floats()` / `integers()` or build them with `init(_:)`.

public enum DType: String, CaseIterable, Sendable, Codable {
    case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float16, float32, float64

    public var byteSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16, .float16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    public var isFloatingPoint: Bool { self == .float16 || self == .float32 || self == .float64 }
}

public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(String)
    case unsupportedDType(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let s): return s
        case .unsupportedDType(let s): return s
        }
    }
}

/// An n-dimensional array with a run-time dtype; bytes are little-endian, C order.
public struct NDArray: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        let expected = shape.reduce(1, *) * dtype.byteSize
        guard shape.allSatisfy({ $0 >= 0 }), bytes.count == expected else {
            throw TensorError.shapeMismatch(
                "\(dtype.rawValue) array of shape \(shape) needs \(expected) bytes, got \(bytes.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public var count: Int { shape.reduce(1, *) }

    /// Every element converted to Float (integers exactly up to 2^24).
    public func floats() -> Tensor<Float> {
        let n = count
        switch dtype {
        case .float32:
            // Model inputs are mostly float32 or uint8: skip the Double round trip for them.
            let values = bytes.withUnsafeBytes { raw in
                (0..<n).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            }
            return Tensor(shape: shape, scalars: values)
        case .uint8:
            return Tensor(shape: shape, scalars: bytes.map { Float($0) })
        default:
            return Tensor(shape: shape, scalars: doubles().map { Float($0) })
        }
    }

    /// Every element converted to Double.
    public func doubles() -> [Double] {
        let n = count
        var out = [Double](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n {
                let o = i * dtype.byteSize
                switch dtype {
                case .bool: out[i] = raw[o] != 0 ? 1 : 0
                case .int8: out[i] = Double(Int8(bitPattern: raw[o]))
                case .uint8: out[i] = Double(raw[o])
                case .int16: out[i] = Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int16.self)))
                case .uint16:
                    out[i] = Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
                case .int32: out[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                case .uint32:
                    out[i] = Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                case .int64: out[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int64.self)))
                case .uint64:
                    out[i] = Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                case .float16:
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
                    out[i] = Double(Float(halfBits: bits))
                case .float32:
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
                    out[i] = Double(Float(bitPattern: bits))
                case .float64:
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
                    out[i] = Double(bitPattern: bits)
                }
            }
        }
        return out
    }

    /// Every element as Int64; floating-point elements must be integral.
    public func integers() throws -> Tensor<Int64> {
        if dtype == .int64 || dtype == .uint64 {
            // Avoid the Double round trip that would lose precision above 2^53.
            var out = [Int64](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<out.count {
                    out[i] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                }
            }
            return Tensor(shape: shape, scalars: out)
        }
        let values = doubles()
        guard values.allSatisfy({ $0 == $0.rounded() }) else {
            throw TensorError.unsupportedDType("\(dtype.rawValue) array holds non-integer values")
        }
        return Tensor(shape: shape, scalars: values.map { Int64($0) })
    }

    /// A float32 array holding `tensor`.
    public init(_ tensor: Tensor<Float>) {
        var bytes = [UInt8](repeating: 0, count: tensor.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in tensor.scalars.enumerated() {
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        self.dtype = .float32
        self.shape = tensor.shape
        self.bytes = bytes
    }

    /// An integer array of `dtype` holding `tensor`; values are truncated to the dtype's width.
    public init<I: BinaryInteger>(_ tensor: Tensor<I>, dtype: DType) {
        precondition(!dtype.isFloatingPoint && dtype != .bool, "NDArray(_:dtype:) takes an integer dtype")
        let size = dtype.byteSize
        var bytes = [UInt8](repeating: 0, count: tensor.count * size)
        for (i, v) in tensor.scalars.enumerated() {
            var word = UInt64(truncatingIfNeeded: Int64(truncatingIfNeeded: v))
            for b in 0..<size {
                bytes[i * size + b] = UInt8(truncatingIfNeeded: word)
                word >>= 8
            }
        }
        self.dtype = dtype
        self.shape = tensor.shape
        self.bytes = bytes
    }
}

extension Float {
    /// Decodes an IEEE 754 binary16 bit pattern.
    public init(halfBits bits: UInt16) {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1f)
        let mantissa = UInt32(bits & 0x3ff)
        if exponent == 0 {
            // Zero or subnormal: value = mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            self = sign != 0 ? -magnitude : magnitude
        } else if exponent == 0x1f {
            self = Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        } else {
            self = Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
        }
    }
}
