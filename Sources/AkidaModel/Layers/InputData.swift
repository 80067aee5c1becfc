// InputData (reference 7.3): declares the input shape and bitwidth, computes nothing. Owns the
// Akida rule that an input is signed from 5 bits on, and the input check it implies (7.1).
import Tensors

extension AkidaLayer {
    /// akida's rule for InputData: an input of `bits` bits is signed iff bits ≥ 5 (`input_signed`).
    public static func isSignedInput(bits: Int) -> Bool { bits >= 5 }
}

enum InputDataLayer: SimulatedLayer {
    static let type = AkidaLayerType.inputData
    static let parameters = [
        AkidaParameterSpec("input_bits", akidaDefault: 8, validRange: 1...32),
        AkidaParameterSpec("input_channels"),
        AkidaParameterSpec("input_height"),
        AkidaParameterSpec("input_signed"),
        AkidaParameterSpec("input_width"),
    ]
    static let variables: [AkidaVariableSpec] = []
    static let readsModelInput = true

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        let bits = try r.bits("input_bits")
        let shape = try r.dims(
            [try r.p("input_width"), try r.p("input_height"), try r.p("input_channels")], "input shape")
        if r.isFirst && shape != r.inShape {
            throw r.fail("input shape \(shape) differs from the model's \(r.inShape)")
        }
        let signed = AkidaLayer.isSignedInput(bits: bits)
        return r.compiled(
            InputDataStep(bits: bits, signed: signed), outShape: r.isFirst ? shape : r.inShape,
            outDType: r.inDTypes.first ?? (signed ? .int8 : .uint8))
    }
}

struct InputDataStep: LayerStep {
    var bits: Int
    var signed: Bool

    func run(_ io: StepIO) throws {
        _ = io.out.update(fromContentsOf: try io.requireInput())
    }

    /// Signed inputs are int8 (int16 above 8 bits), unsigned uint8; below 8 bits values are
    /// range-checked.
    var inputRule: InputRule {
        let range: ClosedRange<Int64>? =
            bits >= 8
            ? nil : signed ? -(Int64(1) << (bits - 1))...(Int64(1) << (bits - 1)) - 1 : 0...(Int64(1) << bits) - 1
        return InputRule(dtypes: signed ? [bits > 8 ? .int16 : .int8] : [.uint8], range: range)
    }
}
