// NeuronVariables: the parameters and variables the neural converters share: pooling parameters,
// the aligned values (bias, ReLU maximum) and output scale/shift of Akida 2.0, and the threshold
// and act_step of Akida 1.0.
import AkidaModel

extension AkidaAssembler {
    /// Max pool / global average parameters: (pool_type, size, stride, padding-or-nil).
    func poolParameters(_ block: MatchedBlock) -> (type: Int, size: [Int], stride: [Int], padding: Int?) {
        if let pool = block.maxPool {
            let size = pool.pair("pool_size") ?? [2, 2]
            let stride = pool.config["strides"].flatMap { $0.isNull ? nil : pool.pair("strides") } ?? size
            return (1, size, stride, pool.padding == "same" ? 1 : 0)
        }
        if block.gap != nil { return (2, [-1, -1], [-1, -1], nil) }
        return (0, [-1, -1], [-1, -1], nil)
    }

    func setBias(
        _ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ r: RecordedLayer, channels: Int
    ) throws {
        try setAligned(
            &variables, w, r.bias, shift: r.biasShift, names: ("bias", "bias_shift"), .int8,
            fallbacks: (0, 0), channels: channels)
    }

    func setMaxValue(
        _ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ r: RecordedLayer, channels: Int
    ) throws {
        try setAligned(
            &variables, w, r.maxValue, shift: r.maxValueShift, names: ("max_value", "max_value_shift"), .uint8,
            fallbacks: (127, 31), channels: channels)
    }

    /// A value QuantizeML aligned by a left shift (bias, ReLU max value): Akida stores it shifted
    /// back right, with the shift.
    func setAligned(
        _ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ aligned: IntTensor?, shift: IntTensor?,
        names: (value: String, shift: String), _ dtype: AkidaDType, fallbacks: (Int64, Int64), channels: Int
    ) throws {
        var value: [Int64]? = nil, shifts: [Int64]? = nil
        if let aligned {
            let s = shift?.values ?? [0]
            value = KernelOps.shiftRight(aligned.values, by: s)
            shifts = s
        }
        variables[names.value] = try w.ints(
            names.value, dtype, shape: [channels],
            w.broadcast(names.value, value, to: [channels], fallback: fallbacks.0))
        variables[names.shift] = try w.ints(
            names.shift, .uint8, shape: [channels],
            w.broadcast(names.shift, shifts, to: [channels], fallback: fallbacks.1))
    }

    func setOutputV2(
        _ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ block: MatchedBlock,
        bufferBits: Int, channels: Int, scales: Bool
    ) throws {
        let r = block.layers.last.map(record) ?? RecordedLayer()
        if scales {
            variables["output_scales"] = try w.ints(
                "output_scales", .uint8, shape: [channels], from: r.outputScales, fallback: 1)
        }
        let shift = r.outputShift.map {
            IntTensor(shape: $0.shape, values: $0.values.map { max($0, Int64(1 - bufferBits)) })
        }
        let values = try w.broadcast("output_shift", shift?.values, to: [channels], fallback: 0)
        if let bad = values.first(where: { $0 < -31 || $0 > 31 }) {
            throw w.overflow(
                "output_shift", bad, .int8, why: "; the Akida engine only applies output shifts in [-31, 31]")
        }
        variables["output_shift"] = try w.ints("output_shift", .int8, shape: [channels], values)
    }

    /// Threshold and act_step from the block's output quantizer (Akida 1.0 neurons fire when the
    /// potential passes the threshold, one level per act_step).
    func setOutputV1(
        _ variables: inout [String: AkidaVariable], _ w: VariableWriter, _ block: MatchedBlock,
        threshold: [Int64], params: [String: Int], channels: Int
    ) throws {
        var threshold = threshold
        var actStep = [Float](repeating: 1, count: channels)
        let r = block.layers.last.map(record) ?? RecordedLayer()
        if block.outputQuantizer != nil, let shift = r.outputShift {
            let shifts = try w.broadcast("act_step", shift.values, to: [channels], fallback: 0)
            let scales = try w.broadcast("act_step", r.outputScales?.values, to: [channels], fallback: 1)
            actStep = (0..<channels).map { Float(pow2(Double(-shifts[$0]))) / Float(scales[$0]) }
            if params["activation"] == 1 {
                threshold = try (0..<channels).map {
                    threshold[$0]
                        + (try integral(roundHalfEven(0.5 * actStep[$0]), layer: w.layer, what: "a threshold"))
                }
                let factor = Float(pow2(Double((params["act_bits"] ?? 4) - 4)))
                actStep = actStep.map { $0 * factor }
            }
        }
        variables["threshold"] = try w.ints("threshold", .int32, shape: [channels], threshold)
        variables["act_step"] = try w.floats("act_step", shape: [channels], actStep)
    }
}
