// Layer parameters derived from an input's quantization rather than from its values (the aligned
// bias or ReLU maximum, an OutputQuantizer's scale mantissas and frac bits) are the same for every
// chunk of a batch: a layer op computes them once per distinct input quantization.
import Foundation

/// Everything of a QTensor but its payload and shape, bit for bit.
struct QuantizationKey: Hashable {
    let fracBits: [UInt32]
    let fracBitsScalar: Bool
    let scales: [UInt32]?
    let scalesScalar: Bool
    let valueBits: Int

    init(_ x: QTensor) {
        fracBits = x.fracBits.values.map(\.bitPattern)
        fracBitsScalar = x.fracBits.isScalar
        scales = x.scales?.values.map(\.bitPattern)
        scalesScalar = x.scales?.isScalar ?? false
        valueBits = x.valueBits
    }
}

extension QTensor {
    /// This tensor's quantization without its payload (to derive parameters from while the
    /// payload is changed in place).
    var quantization: QTensor {
        QTensor(values: [], shape: [], valueBits: valueBits, fracBits: fracBits, scales: scales)
    }
}

/// Values computed from a tensor's quantization, kept per distinct quantization (a few per model).
final class QuantizationMemo<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [QuantizationKey: Value] = [:]

    /// `make()`'s value for `x`'s quantization; errors are not kept.
    func value(for x: QTensor, _ make: () throws -> Value) rethrows -> Value {
        let key = QuantizationKey(x)
        lock.lock()
        let known = values[key]
        lock.unlock()
        if let known { return known }
        let value = try make()
        lock.lock()
        if values.count < 64 { values[key] = value }
        lock.unlock()
        return value
    }
}
