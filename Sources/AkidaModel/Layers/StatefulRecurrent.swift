// StatefulRecurrent (akida 2.19.3, IP "pico"): a recurrent TENN block on a (1, T, C) sequence —
// input shift, input projection, scale-out to the new state (`new_state_scale`,
// `new_state_shift`), the diagonal complex recurrence
//   re' = re·A_real − im·A_imag + new_state,  im' = re·A_imag + im·A_real
// rounded back by `internal_state_outputs_shift` to `internal_state_bits`, timestep subsampling,
// output projection, bias, ReLU clip and the Akida 2.0 output scaling. The complex state is the
// layer's simulation state: it runs on from one sample of a batch to the next and across calls,
// as akida does, until the simulator is reset.
import Foundation

enum StatefulRecurrentLayer: SimulatedLayer {
    static let type = AkidaLayerType.statefulRecurrent
    static let parameters = [
        AkidaParameterSpec("activation", akidaDefault: 1), AkidaParameterSpec("buffer_bits", akidaDefault: 28),
        AkidaParameterSpec("internal_state_bits", akidaDefault: 16, validRange: 2...32),
        AkidaParameterSpec("output_bits", akidaDefault: 8), AkidaParameterSpec("output_channels"),
        AkidaParameterSpec("post_op_buffer_bits", akidaDefault: 32), AkidaParameterSpec("stateful_channels"),
        AkidaParameterSpec("subsample", akidaDefault: 1, validRange: 1...maxParameter),
    ]
    static let variables = [
        AkidaVariableSpec("A_imag", .int16, shape: "(stateful_channels,)"),
        AkidaVariableSpec("A_real", .int16, shape: "(stateful_channels,)"),
        AkidaVariableSpec("bias", .int8, shape: "(output_channels,)", defaultValue: 0),
        AkidaVariableSpec("bias_shift", .uint8, shape: "(output_channels,)", defaultValue: 0),
        AkidaVariableSpec("in_proj", .int8, shape: "(C, stateful_channels)"),
        AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
        AkidaVariableSpec("internal_state_outputs_shift", .int8, shape: "(stateful_channels,)", defaultValue: 0),
        AkidaVariableSpec("max_value", .uint8, shape: "(output_channels,)", defaultValue: 0),
        AkidaVariableSpec("max_value_shift", .uint8, shape: "(output_channels,)", defaultValue: 0),
        AkidaVariableSpec("new_state_scale", .uint8, shape: "(stateful_channels,)", defaultValue: 1),
        AkidaVariableSpec("new_state_shift", .int8, shape: "(stateful_channels,)", defaultValue: 0),
        AkidaVariableSpec("out_proj", .int8, shape: "(stateful_channels, output_channels)"),
        AkidaVariableSpec("output_scales", .uint8, shape: "(output_channels,)", defaultValue: 1),
        AkidaVariableSpec("output_shift", .int8, shape: "(output_channels,)", defaultValue: 0),
    ]

    /// The kernels akida lists: input projection, A_real, A_imag, output projection.
    static func summaryRow(_ layer: AkidaLayer) -> AkidaSummaryLayer {
        AkidaSummaryLayer(
            name: layer.name, type: summaryName, outputShape: layer.outputShape,
            kernelShapes: ["in_proj", "A_real", "A_imag", "out_proj"].compactMap { layer.variables[$0]?.shape },
            kernelsInOneCell: true)
    }

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        let (timesteps, c) = (r.inShape[1], r.inShape[2])
        guard r.inShape[0] == 1 else { throw r.fail("expects (1, timesteps, channels) inputs, got \(r.inShape)") }
        let n = try r.p("stateful_channels"), f = try r.p("output_channels"), sub = try r.p("subsample")
        guard timesteps % sub == 0 else {
            throw r.fail("\(timesteps) timesteps are not a multiple of subsample \(sub)")
        }
        let stateBits = try r.p("internal_state_bits")
        guard case .v2(let scaling) = try Neural.scalingV2(r, NeuralTraits.statefulOutput, f) else {
            throw r.fail("expects Akida 2.0 output scaling")
        }
        let step = StatefulRecurrentStep(
            timesteps: timesteps, inChannels: c, channels: n, outChannels: f, subsample: sub, stateBits: stateBits,
            inputShift: try r.ints("input_shift", count: c).map { Int($0) },
            inProj: try r.ints("in_proj", count: c * n), newStateScale: try r.ints("new_state_scale", count: n),
            newStateShift: try r.ints("new_state_shift", count: n).map { Int($0) },
            aReal: try r.ints("A_real", count: n), aImag: try r.ints("A_imag", count: n),
            stateShift: try r.ints("internal_state_outputs_shift", count: n).map { Int($0) },
            outProj: try r.ints("out_proj", count: n * f), scaling: scaling)
        return r.compiled(step, outShape: [1, timesteps / sub, f], outDType: PostOp.v2(scaling).outputDType)
    }
}

extension NeuralTraits {
    /// The output stage of a StatefulRecurrent layer: a dense projection's bias after saturation.
    static let statefulOutput = NeuralTraits(kind: .dense, generation: .v2, flipsKernel: false, shiftsInput: true)
}

struct StatefulRecurrentStep: LayerStep {
    let timesteps: Int, inChannels: Int, channels: Int, outChannels: Int, subsample: Int, stateBits: Int
    let inputShift: [Int]
    let inProj: [Int64]
    let newStateScale: [Int64]
    let newStateShift: [Int]
    let aReal: [Int64], aImag: [Int64]
    let stateShift: [Int]
    let outProj: [Int64]
    let scaling: ScalingV2

    /// Real then imaginary parts of the state, one per stateful channel.
    func makeState() -> LayerState? { IntegerLayerState(count: 2 * channels) }

    func run(_ io: StepIO) throws {
        let input = try io.requireInput()
        guard let state = io.state as? IntegerLayerState else {
            throw AkidaModelError.invalidInput("layer '\(io.layer.name)' has no recurrent state")
        }
        let (re, im) = (state.values.baseAddress!, state.values.baseAddress! + channels)
        let (bufLo, bufHi) = bounds(scaling.bufferBits), (postLo, postHi) = bounds(scaling.postOpBits)
        let (stateLo, stateHi) = bounds(stateBits)
        var projected = [Int64](repeating: 0, count: channels)
        var kept = [Int64](repeating: 0, count: channels)
        let out = io.out
        for t in 0..<timesteps {
            for i in 0..<channels { projected[i] = 0 }
            for ch in 0..<inChannels {
                let x = satShl(Int64(input[t * inChannels + ch]), inputShift[ch])
                for i in 0..<channels { projected[i] &+= x &* inProj[ch * channels + i] }
            }
            for i in 0..<channels {
                let newState = clampBF(
                    shiftRound(
                        clampBF(clampBF(projected[i], bufLo, bufHi) &* newStateScale[i], postLo, postHi),
                        newStateShift[i]), postLo, postHi)
                let updatedRe = clampBF(re[i] &* aReal[i] &- im[i] &* aImag[i] &+ newState, postLo, postHi)
                let updatedIm = clampBF(re[i] &* aImag[i] &+ im[i] &* aReal[i], postLo, postHi)
                re[i] = clampBF(shiftRound(updatedRe, stateShift[i]), stateLo, stateHi)
                im[i] = clampBF(shiftRound(updatedIm, stateShift[i]), stateLo, stateHi)
            }
            guard (t + 1) % subsample == 0 else { continue }
            for i in 0..<channels { kept[i] = re[i] }
            writeOutput(kept, row: out.baseAddress! + (t / subsample) * outChannels)
        }
    }

    /// Output projection, bias, ReLU clip and output scaling of one kept timestep.
    private func writeOutput(_ s: [Int64], row: UnsafeMutablePointer<Int32>) {
        let v2 = scaling
        let (bbLo, bbHi) = bounds(v2.bufferBits), (pobLo, pobHi) = bounds(v2.postOpBits)
        let (obLo, obHi) = v2.outputBits <= 4 ? (Int64(0), (Int64(1) << v2.outputBits) - 1) : bounds(v2.outputBits)
        for d in 0..<outChannels {
            var sum: Int64 = 0
            for i in 0..<channels { sum &+= s[i] &* outProj[i * outChannels + d] }
            var v = clampBF(sum, bbLo, bbHi) &+ v2.bias[d]
            if v2.relu { v = min(max(v, 0), v2.clip[d]) }
            let prod = clampBF(v &* v2.scales[d], pobLo, pobHi)
            row[d] = Int32(truncatingIfNeeded: clampBF(shiftRound(prod, v2.shifts[d]), obLo, obHi))
        }
    }
}
