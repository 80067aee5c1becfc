// Add (reference 7.7): two inputs shifted to a common scale and saturated to buffer_bits, summed,
// then shifted and saturated (always signed) to output_bits.

enum AddLayer: SimulatedLayer {
    static let type = AkidaLayerType.add
    static let parameters = [
        AkidaParameterSpec("buffer_bits", akidaDefault: 32, validRange: 1...32),
        AkidaParameterSpec("output_bits", akidaDefault: 8, validRange: 1...32),
        AkidaParameterSpec("post_op_buffer_bits", akidaDefault: 32),
    ]
    static let variables = [
        AkidaVariableSpec("a_shift", .uint8, shape: "(1,) or (C,)", defaultValue: 0),
        AkidaVariableSpec("b_shift", .uint8, shape: "(1,) or (C,)", defaultValue: 0),
        AkidaVariableSpec("output_shift", .int8, shape: "(1,) or (C,)", defaultValue: 0),
    ]

    static func inboundCount(given: Int) -> Int { 2 }

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        guard r.inShapes[0] == r.inShapes[1] else {
            throw r.fail("Add inputs have different shapes \(r.inShapes[0]) and \(r.inShapes[1])")
        }
        let ob = try r.bits("output_bits")
        let step = AddStep(
            aShift: try r.perChannel("a_shift"), bShift: try r.perChannel("b_shift"),
            outputShift: try r.perChannel("output_shift"), bufferBits: try r.bits("buffer_bits"), outputBits: ob)
        return r.compiled(step, outShape: r.inShape, outDType: ob <= 8 ? .int8 : .int32)
    }
}

struct AddStep: LayerStep {
    var aShift: [Int]
    var bShift: [Int]
    var outputShift: [Int]
    var bufferBits: Int
    var outputBits: Int

    func run(_ io: StepIO) throws {
        let a = io.inbound(0), b = io.inbound(1), out = io.out
        let c = aShift.count, bb = bufferBits
        for k in 0..<out.count {
            let q = k % c
            let s = satS(satS(satShl(Int64(a[k]), aShift[q]), bb) + satS(satShl(Int64(b[k]), bShift[q]), bb), bb)
            out[k] = Int32(satS(shiftRound(s, outputShift[q]), outputBits))
        }
    }
}
