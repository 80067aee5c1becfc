// Quantizer (reference 7.4): float inputs scaled per channel, rounded half away from zero, shifted
// by the zero point and saturated to 4 or 8 bits; integer inputs pass through unchanged.

enum QuantizerLayer: SimulatedLayer {
    static let type = AkidaLayerType.quantizer
    static let parameters = [
        AkidaParameterSpec("channels_first", akidaDefault: 0),
        AkidaParameterSpec("input_channels"),
        AkidaParameterSpec("input_height"),
        AkidaParameterSpec("input_width"),
        AkidaParameterSpec("output_bits", akidaDefault: 8, validRange: 1...32),
        AkidaParameterSpec("output_signed"),
    ]
    static let variables = [
        AkidaVariableSpec("scales", .float32, shape: "(C,)"),
        AkidaVariableSpec("zero_points", .uint8, shape: "(C,)", defaultValue: 0),
    ]
    static let readsModelInput = true

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        let bits = try r.bits("output_bits"), signed = try r.p("output_signed") != 0
        guard bits == 4 || bits == 8 else { throw r.fail("Quantizer output_bits must be 4 or 8, got \(bits)") }
        let shape = try r.dims(
            [try r.p("input_width"), try r.p("input_height"), try r.p("input_channels")], "input shape")
        if shape != r.inShape { throw r.fail("input shape \(shape) differs from its input \(r.inShape)") }
        let step = QuantizerStep(
            scales: try r.floats("scales", count: shape[2]), zeroPoints: try r.ints("zero_points", count: shape[2]),
            bits: bits, signed: signed)
        return r.compiled(step, outShape: shape, outDType: signed ? .int8 : .uint8)
    }
}

struct QuantizerStep: LayerStep {
    var scales: [Float]
    var zeroPoints: [Int64]
    var bits: Int
    var signed: Bool

    func run(_ io: StepIO) throws {
        let out = io.out
        if let input = io.input {
            _ = out.update(fromContentsOf: input)  // integer inputs bypass quantization
        } else if let floats = io.floats {
            let c = scales.count
            for k in 0..<floats.count {
                let q = Int64((floats[k] * scales[k % c]).rounded(.toNearestOrAwayFromZero)) + zeroPoints[k % c]
                out[k] = Int32(signed ? satS(q, bits) : satU(q, bits))
            }
        }
    }

    var inputRule: InputRule { InputRule(dtypes: signed ? [.int8, .float32] : [.uint8, .float32], range: nil) }
}
