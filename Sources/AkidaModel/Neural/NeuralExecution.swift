// Execution of the neural step on one sample: input shifts, accumulation in the narrowest exact
// precision, then bias, activation, pooling and output scaling (Akida 2.0, reference 7.5) or
// threshold activation (Akida 1.0, reference 8.2-8.3), in the worker's reused buffers.

import CKernels

extension Workspace {
    /// Runs `loop` with the kernel and accumulator of the narrowest exact precision.
    private func accumulate<L: Accumulation>(
        _ weights: KernelWeights, maxInput: Int64, shifted: Bool = false, _ loop: L
    ) {
        weights.w16.withUnsafeBufferPointer { w in
            switch weights.precision(maxInput: maxInput, shifted: shifted) {
            case .products16: loop.run(w, Lanes(scratch: lanes32), Int16.self)
            case .sums32: loop.run(w, Lanes(scratch: lanes32), Int32.self)
            case .sums64: loop.run(w, Lanes(scratch: lanes64), Int64.self)
            }
        }
    }

    func runNeural(
        _ n: Neural, input: UnsafeBufferPointer<Int32>, out: UnsafeMutableBufferPointer<Int32>, name: String
    ) throws {
        var x = input
        var range = valueRange(input)
        var inputMax = max(-range.lo, range.hi)
        // Input shifts: folded into the products ((x << s)·w = (x·w) << s) when no shifted input
        // reaches the buffer_bits saturation and the layer is not depthwise; else applied here.
        var shiftProducts = false
        if !n.inputShift.isEmpty, case .v2(let v2) = n.post {
            let bb = v2.bufferBits
            let maxShift = Int(n.inputShift.max() ?? 0)
            if n.kind != .depthwise && satShl(inputMax, maxShift) <= bounds(bb).1 {
                shiftProducts = true
            } else {
                let m = n.inputShift.count
                for k in 0..<input.count {
                    shifted[k] = Int32(satS(satShl(Int64(input[k]), Int(n.inputShift[k % m])), bb))
                }
                x = UnsafeBufferPointer(rebasing: shifted[0..<input.count])
                range = valueRange(x)
                inputMax = max(-range.lo, range.hi)
            }
        }
        let grid = n.a0.output * n.a1.output
        try withOutputStage(n, out: out, sumBound: sumBound(n, inputMax: inputMax, shifted: shiftProducts)) { post in
            // A pooled layer's stage waits for all of its sums; an unpooled one may run with them.
            let fused = post?.global == true ? nil : post
            let finished = try accumulate(
                n, x: x, range: range, inputMax: inputMax, shiftProducts: shiftProducts, post: fused, name: name)
            if finished { return }
            if let post, post.global, sf_output_v2_global(post.stage, acc.baseAddress, grid, post.out) != 0 { return }
            finish(n, grid: grid, out: out, post: fused)
        }
    }

    /// A bound on |sum| from the largest input and the weights' largest Σ|w| (through the depthwise
    /// stage's for separable layers); 0 when it does not fit 62 bits.
    private func sumBound(_ n: Neural, inputMax: Int64, shifted: Bool) -> Int64 {
        var bound = max(inputMax, n.maxPadValue)
        let weights = shifted ? n.weights.shiftedMaxSum : n.weights.maxSum
        for f in n.kind == .separable ? [weights, n.pointwise.maxSum] : [weights] {
            let (product, overflow) = bound.multipliedReportingOverflow(by: f)
            guard !overflow, product < Int64(1) << 62 else { return 0 }
            bound = product
        }
        return bound
    }

    /// The accumulation of `runNeural` into `acc`; true when the byte kernels also ran the output stage
    /// `post` on their tiles.
    private func accumulate(
        _ n: Neural, x: UnsafeBufferPointer<Int32>, range: (lo: Int64, hi: Int64), inputMax: Int64,
        shiftProducts: Bool, post: FusedOutput?, name: String
    ) throws -> Bool {
        let (d0, d1, c) = (n.inShape[0], n.inShape[1], n.inShape[2])
        let grid = n.a0.output * n.a1.output
        let f = n.outChannels
        return try n.inputShift.withUnsafeBufferPointer { shiftTable in
            let productShifts = shiftProducts ? shiftTable.baseAddress : nil
            let onBytes =
                (n.kind == .conv || n.kind == .dense)
                && accumulateBytes(n, x: x, range: range, shifts: productShifts, post: post)
            switch n.kind {
            case _ where onBytes: return post != nil
            case .dense:
                accumulate(
                    n.weights, maxInput: inputMax, shifted: productShifts != nil,
                    DenseLoop(x: x, rows: 1, n: x.count, u: f, acc: acc, shifts: productShifts))
            case .conv, .depthwise, .separable:
                var src = x, p1 = d1
                let p0size = n.a0.paddedSize, p1size = n.a1.paddedSize
                // A depthwise layer's output stage runs with its sums; a separable layer's sums feed the
                // pointwise stage.
                let fused = n.kind == .depthwise ? post : nil
                let onInt32 =
                    n.kind != .conv && depthwiseInt32(n, x: x, maxInput: max(inputMax, n.maxPadValue), post: fused)
                if onInt32 && fused != nil { return true }
                if !onInt32 && (n.a0.padBefore > 0 || n.a1.padBefore > 0 || p0size > d0 || p1size > d1) {
                    n.padValues.withUnsafeBufferPointer { pads in
                        sf_padded_i32(
                            x.baseAddress, Int32(d0), Int32(d1), Int32(c), Int32(p0size), Int32(p1size),
                            Int32(n.a0.padBefore), Int32(n.a1.padBefore), pads.isEmpty ? nil : pads.baseAddress,
                            padded.baseAddress)
                    }
                    src = UnsafeBufferPointer(rebasing: padded[0..<p0size * p1size * c])
                    p1 = p1size
                }
                if n.kind == .conv {
                    accumulate(
                        n.weights, maxInput: max(inputMax, n.maxPadValue), shifted: productShifts != nil,
                        ConvLoop(
                            x: src, p1: p1, c: c, k0: n.k0, k1: n.k1, f: f, a0: n.a0, a1: n.a1, acc: acc,
                            shifts: productShifts))
                } else if !onInt32 {
                    accumulate(
                        n.weights, maxInput: max(inputMax, n.maxPadValue),
                        DepthwiseLoop(x: src, p1: p1, c: c, k0: n.k0, k1: n.k1, a0: n.a0, a1: n.a1, acc: acc))
                }
                if n.kind == .separable {
                    // Pointwise stage on the exact depthwise sums.
                    for k in 0..<grid * c {
                        guard let v = Int32(exactly: acc[k]) else {
                            throw AkidaModelError.invalidLayer(
                                layer: name, reason: "depthwise sum \(acc[k]) exceeds 32 bits")
                        }
                        stage[k] = v
                    }
                    let d = UnsafeBufferPointer(rebasing: stage[0..<grid * c])
                    if pointwiseBytes(n, x: d, grid: grid, post: post) { return post != nil }
                    accumulate(
                        n.pointwise, maxInput: maxAbs(d), DenseLoop(x: d, rows: grid, n: c, u: f, acc: acc, shifts: nil)
                    )
                }
            }
            return false
        }
    }

    /// Bias, activation, pooling and output scaling (v2) or threshold activation (v1); `post`, when
    /// the layer has one, is the same v2 arithmetic in CKernels.
    private func finish(_ n: Neural, grid: Int, out: UnsafeMutableBufferPointer<Int32>, post: FusedOutput?) {
        if let post { return finishRows(post, positions: grid) }
        let f = n.outChannels
        switch n.post {
        case .v2(let v2):
            let (bias, early, bb, pob, ob) = (
                v2.bias, v2.biasBeforeSaturation, v2.bufferBits, v2.postOpBits, v2.outputBits
            )
            let (relu, clip, scales, shifts) = (v2.relu, v2.clip, v2.scales, v2.shifts)
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
        case .v1(let v1):
            let (threshold, actStep16, activation, actBits) = (v1.threshold, v1.actStep16, v1.activation, v1.actBits)
            let saturate20 = v1.saturate20
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
            // Positions outer, channels inner: each channel's sum in position order, reading `acc` in sequence.
            for q in 0..<f { pool[q] = 0 }
            for p in 0..<grid {
                let row = p * f
                if runningSaturation {
                    for q in 0..<f { pool[q] = satS(pool[q] + satS(acc[row + q], sumBits), sumBits) }
                } else {
                    for q in 0..<f { pool[q] += acc[row + q] }
                }
            }
            if !runningSaturation { for q in 0..<f { pool[q] = satS(pool[q], sumBits) } }
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
