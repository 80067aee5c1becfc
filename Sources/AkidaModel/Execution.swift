// Per-worker execution of one sample through the compiled layers: buffers allocated once per
// worker and reused, Int32 accumulation whenever it is provably exact (Int64 otherwise), and the
// post-accumulation arithmetic of both Akida generations (reference sections 7 and 8).

final class Workspace {
    var intOut: [UnsafeMutableBufferPointer<Int32>]
    var floatOut: [UnsafeMutableBufferPointer<Float>]
    let padded: UnsafeMutableBufferPointer<Int32>
    let shifted: UnsafeMutableBufferPointer<Int32>
    let stage: UnsafeMutableBufferPointer<Int32>
    let acc: UnsafeMutableBufferPointer<Int64>
    let pool: UnsafeMutableBufferPointer<Int64>
    let lanes32: UnsafeMutableBufferPointer<Int32>
    let lanes64: UnsafeMutableBufferPointer<Int64>

    init(layers: [CompiledLayer]) {
        intOut = layers.map { .allocate(capacity: $0.outDType == .float32 ? 0 : $0.outCount) }
        floatOut = layers.map { .allocate(capacity: $0.outDType == .float32 ? $0.outCount : 0) }
        var pad = 1, inSize = 1, grid = 1, lanes = 1, outs = 1
        for l in layers {
            outs = max(outs, l.outCount)
            guard case .neural(let n) = l.op else { continue }
            let c = n.inShape[2]
            pad = max(pad, n.a0.paddedSize * n.a1.paddedSize * c)
            inSize = max(inSize, n.inShape.reduce(1, *))
            grid = max(grid, n.a0.output * n.a1.output * max(n.outChannels, c))
            lanes = max(lanes, n.outChannels, c)
        }
        padded = .allocate(capacity: pad)
        shifted = .allocate(capacity: inSize)
        stage = .allocate(capacity: grid)
        acc = .allocate(capacity: grid)
        pool = .allocate(capacity: outs)
        lanes32 = .allocate(capacity: lanes)
        lanes64 = .allocate(capacity: lanes)
    }

    func deallocate() {
        intOut.forEach { $0.deallocate() }
        floatOut.forEach { $0.deallocate() }
        [padded, shifted, stage, lanes32].forEach { $0.deallocate() }
        [acc, pool, lanes64].forEach { $0.deallocate() }
    }

    /// Adds the number of zero values of each layer's current output.
    func countZeros(into counts: inout [Int]) {
        for i in counts.indices {
            var z = 0
            for v in intOut[i] where v == 0 { z += 1 }
            for v in floatOut[i] where v == 0 { z += 1 }
            counts[i] += z
        }
    }

    func runSample(layers: [CompiledLayer], ints: UnsafeBufferPointer<Int32>?, floats: UnsafeBufferPointer<Float>?) throws {
        for (i, layer) in layers.enumerated() {
            let out = intOut[i]
            let input: UnsafeBufferPointer<Int32>? = layer.inbounds.first.map { UnsafeBufferPointer(intOut[$0]) } ?? ints
            switch layer.op {
            case .inputData:
                guard let input else { throw AkidaModelError.invalidInput("layer '\(layer.name)' expects integer inputs") }
                _ = out.update(fromContentsOf: input)
            case .quantizer(let scales, let zeroPoints, let bits, let signed):
                if let input {
                    _ = out.update(fromContentsOf: input)   // integer inputs bypass quantization
                } else if let floats {
                    let c = scales.count
                    for k in 0..<floats.count {
                        let q = Int64((floats[k] * scales[k % c]).rounded(.toNearestOrAwayFromZero)) + zeroPoints[k % c]
                        out[k] = Int32(signed ? satS(q, bits) : satU(q, bits))
                    }
                }
            case .dequantizer(let scales):
                guard let input else { continue }
                let c = scales.count, fout = floatOut[i]
                for k in 0..<input.count { fout[k] = Float(input[k]) * scales[k % c] }
            case .add(let aShift, let bShift, let outputShift, let bb, let ob):
                let a = intOut[layer.inbounds[0]], b = intOut[layer.inbounds[1]]
                let c = aShift.count
                for k in 0..<out.count {
                    let q = k % c
                    let s = satS(satS(satShl(Int64(a[k]), aShift[q]), bb) + satS(satShl(Int64(b[k]), bShift[q]), bb), bb)
                    out[k] = Int32(satS(shiftRound(s, outputShift[q]), ob))
                }
            case .concatenate:
                let positions = layer.outShape[0] * layer.outShape[1], total = layer.outShape[2]
                var offset = 0
                for src in layer.inbounds {
                    let buf = intOut[src], c = buf.count / max(positions, 1)
                    for p in 0..<positions {
                        for ch in 0..<c { out[p * total + offset + ch] = buf[p * c + ch] }
                    }
                    offset += c
                }
            case .neural(let n):
                guard let input else { throw AkidaModelError.invalidInput("layer '\(layer.name)' expects integer inputs") }
                try runNeural(n, input: input, out: out, name: layer.name)
            }
        }
    }

    // MARK: Neural layers

    /// Runs `loop` with the kernel and accumulator of the narrowest exact precision.
    private func accumulate<L: Accumulation>(_ weights: KernelWeights, maxInput: Int64, shifted: Bool = false, _ loop: L) {
        weights.w16.withUnsafeBufferPointer { w in
            switch weights.precision(maxInput: maxInput, shifted: shifted) {
            case .products16: loop.run(w, Lanes(scratch: lanes32), Int16.self)
            case .sums32: loop.run(w, Lanes(scratch: lanes32), Int32.self)
            case .sums64: loop.run(w, Lanes(scratch: lanes64), Int64.self)
            }
        }
    }

    private func runNeural(_ n: Neural, input: UnsafeBufferPointer<Int32>, out: UnsafeMutableBufferPointer<Int32>, name: String) throws {
        var x = input
        var inputMax = maxAbs(input)
        // Input shifts: folded into the products ((x << s)·w = (x·w) << s) when no shifted input
        // reaches the buffer_bits saturation and the layer is not depthwise; else applied here.
        var shiftProducts = false
        if !n.inputShift.isEmpty, case .v2(_, _, let bb, _, _, _, _, _, _) = n.post {
            let maxShift = Int(n.inputShift.max() ?? 0)
            if n.kind != .depthwise && satShl(inputMax, maxShift) <= bounds(bb).1 {
                shiftProducts = true
            } else {
                let m = n.inputShift.count
                for k in 0..<input.count { shifted[k] = Int32(satS(satShl(Int64(input[k]), Int(n.inputShift[k % m])), bb)) }
                x = UnsafeBufferPointer(rebasing: shifted[0..<input.count])
                inputMax = maxAbs(x)
            }
        }
        let (d0, d1, c) = (n.inShape[0], n.inShape[1], n.inShape[2])
        let grid = n.a0.output * n.a1.output
        let f = n.outChannels
        try n.inputShift.withUnsafeBufferPointer { shiftTable in
            let productShifts = shiftProducts ? shiftTable.baseAddress : nil
            switch n.kind {
            case .dense:
                accumulate(n.weights, maxInput: inputMax, shifted: productShifts != nil,
                           DenseLoop(x: x, rows: 1, n: x.count, u: f, acc: acc, shifts: productShifts))
            case .conv, .depthwise, .separable:
                var src = x, p1 = d1
                let p0size = n.a0.paddedSize, p1size = n.a1.paddedSize
                if n.a0.padBefore > 0 || n.a1.padBefore > 0 || p0size > d0 || p1size > d1 {
                    for r in 0..<p0size {
                        for q in 0..<p1size {
                            let o = (r * p1size + q) * c
                            let ir = r - n.a0.padBefore, iq = q - n.a1.padBefore
                            if ir >= 0 && ir < d0 && iq >= 0 && iq < d1 {
                                let s = (ir * d1 + iq) * c
                                for ch in 0..<c { padded[o + ch] = x[s + ch] }
                            } else if n.padValues.isEmpty {
                                for ch in 0..<c { padded[o + ch] = 0 }
                            } else {
                                for ch in 0..<c { padded[o + ch] = n.padValues[ch] }
                            }
                        }
                    }
                    src = UnsafeBufferPointer(rebasing: padded[0..<p0size * p1size * c])
                    p1 = p1size
                }
                if n.kind == .conv {
                    accumulate(n.weights, maxInput: max(inputMax, n.maxPadValue), shifted: productShifts != nil,
                               ConvLoop(x: src, p1: p1, c: c, k0: n.k0, k1: n.k1, f: f, a0: n.a0, a1: n.a1, acc: acc,
                                        shifts: productShifts))
                } else {
                    accumulate(n.weights, maxInput: max(inputMax, n.maxPadValue),
                               DepthwiseLoop(x: src, p1: p1, c: c, k0: n.k0, k1: n.k1, a0: n.a0, a1: n.a1, acc: acc))
                }
                if n.kind == .separable {
                    // Pointwise stage on the exact depthwise sums.
                    for k in 0..<grid * c {
                        guard let v = Int32(exactly: acc[k]) else {
                            throw AkidaModelError.invalidLayer(layer: name, reason: "depthwise sum \(acc[k]) exceeds 32 bits")
                        }
                        stage[k] = v
                    }
                    let d = UnsafeBufferPointer(rebasing: stage[0..<grid * c])
                    accumulate(n.pointwise, maxInput: maxAbs(d), DenseLoop(x: d, rows: grid, n: c, u: f, acc: acc, shifts: nil))
                }
            }
        }
        finish(n, grid: grid, out: out)
    }

    /// Bias, activation, pooling and output scaling (v2) or threshold activation (v1).
    private func finish(_ n: Neural, grid: Int, out: UnsafeMutableBufferPointer<Int32>) {
        let f = n.outChannels
        switch n.post {
        case .v2(let bias, let early, let bb, let pob, let ob, let relu, let clip, let scales, let shifts):
            let (bbLo, bbHi) = bounds(bb), (pobLo, pobHi) = bounds(pob)
            let (obLo, obHi) = ob <= 4 ? (Int64(0), (Int64(1) << ob) - 1) : bounds(ob)
            // Exact sums are below 2^62 (see maxFanIn); after the buffer saturation values are
            // 32-bit plus 32-bit biases, times 8-bit scales: the wrapping operators cannot wrap.
            let a = acc.baseAddress!
            bias.withUnsafeBufferPointer { bp in
                clip.withUnsafeBufferPointer { cp in
                    // Branch-free clamps: ReLU outcomes are data-dependent and would mispredict.
                    for p in 0..<grid {
                        let row = a + p * f
                        if early {
                            for q in 0..<f { row[q] = clampBF(row[q] &+ bp[q], bbLo, bbHi) }
                        } else {
                            for q in 0..<f { row[q] = clampBF(row[q], bbLo, bbHi) &+ bp[q] }
                        }
                        if relu {
                            for q in 0..<f { row[q] = minBF(maxBF(row[q], 0), cp[q]) }
                        }
                    }
                }
            }
            let count = pooled(n, grid: grid, sumBits: pob, runningSaturation: true)
            let positions = count / f
            scales.withUnsafeBufferPointer { sp in
                shifts.withUnsafeBufferPointer { hp in
                    for p in 0..<positions {
                        let row = pool.baseAddress! + p * f, o = out.baseAddress! + p * f
                        for q in 0..<f {
                            let prod = clampBF(row[q] &* sp[q], pobLo, pobHi)
                            o[q] = Int32(truncatingIfNeeded: clampBF(shiftRound(prod, hp[q]), obLo, obHi))
                        }
                    }
                }
            }
        case .v1(let threshold, _, let actStep16, let activation, let actBits, let saturate20):
            if saturate20 { for k in 0..<grid * f { acc[k] = satS(acc[k], 20) } }
            let count = pooled(n, grid: grid, sumBits: 20, runningSaturation: false)
            if activation {
                // The engine keeps act_step as a fixed-point value with 4 fractional bits (floored),
                // so level = ceil((p − threshold) / (step16 / 16 · 2^(4 − act_bits))), exactly.
                let top = Int64((1 << actBits) - 1)
                for k in 0..<count {
                    let q = k % f
                    let level = ceilDiv(satShl(pool[k] - threshold[q], actBits), actStep16[q])
                    out[k] = Int32(min(max(level, 0), top))
                }
            } else {
                for k in 0..<count { out[k] = Int32(clamping: pool[k]) }
            }
        }
    }

    /// Applies the layer's pooling to `acc` (conv grid) into `pool`; returns the element count.
    private func pooled(_ n: Neural, grid: Int, sumBits: Int, runningSaturation: Bool) -> Int {
        let f = n.outChannels
        switch n.pooling {
        case .none:
            for k in 0..<grid * f { pool[k] = acc[k] }
            return grid * f
        case .global:
            for q in 0..<f {
                var s: Int64 = 0
                for p in 0..<grid {
                    s = runningSaturation ? satS(s + satS(acc[p * f + q], sumBits), sumBits) : s + acc[p * f + q]
                }
                pool[q] = runningSaturation ? s : satS(s, sumBits)
            }
            return f
        case .max(let q0, let q1):
            let w1 = n.a1.output
            for o0 in 0..<q0.output {
                for o1 in 0..<q1.output {
                    let base = (o0 * q1.output + o1) * f
                    for q in 0..<f { pool[base + q] = Int64.min }
                    for i in 0..<q0.window {
                        let r = o0 * q0.stride + i - q0.padBefore
                        guard r >= 0 && r < q0.size else { continue }
                        for j in 0..<q1.window {
                            let c = o1 * q1.stride + j - q1.padBefore
                            guard c >= 0 && c < q1.size else { continue }
                            let src = (r * w1 + c) * f
                            for q in 0..<f { pool[base + q] = max(pool[base + q], acc[src + q]) }
                        }
                    }
                }
            }
            return q0.output * q1.output * f
        }
    }
}

/// a · b saturated to the Int64 range.
@inline(__always) func mulSat(_ a: Int64, _ b: Int64) -> Int64 {
    let (r, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? ((a < 0) != (b < 0) ? Int64.min : Int64.max) : r
}

/// ⌈a / b⌉ for b > 0.
@inline(__always) func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && a > 0) ? q + 1 : q
}

/// Signed range of a `bits`-bit value (1...64 bits).
@inline(__always) func bounds(_ bits: Int) -> (Int64, Int64) {
    bits >= 64 ? (Int64.min, Int64.max) : (-(Int64(1) << (bits - 1)), (Int64(1) << (bits - 1)) - 1)
}

// Branch-free max/min/clamp for values well inside ±2^62 (differences cannot overflow).
@inline(__always) func maxBF(_ v: Int64, _ lo: Int64) -> Int64 { let d = v &- lo; return lo &+ (d & ~(d >> 63)) }
@inline(__always) func minBF(_ v: Int64, _ hi: Int64) -> Int64 { let d = v &- hi; return hi &+ (d & (d >> 63)) }
@inline(__always) func clampBF(_ v: Int64, _ lo: Int64, _ hi: Int64) -> Int64 { minBF(maxBF(v, lo), hi) }
