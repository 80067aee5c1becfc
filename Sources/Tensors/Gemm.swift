// Gemm: the register-blocked matrix product every convolution and dense layer reduces to.
// A 4-row × 8-column tile of the result stays in SIMD registers for the whole reduction, so
// each step loads one 8-wide kernel row and four input values and touches no output memory.

extension Kernels {
    /// `c[r, j] = bias[j] + Σ_i a[r, i] · b[i, j]` for `rows × n` results, summed as TensorFlow's
    /// CPU convolution does (bit-exact calibration depends on it): fused multiply-adds in order
    /// of `i` from zero, the bias added last. `a` has row
    /// stride `lda`, `b` is `k × n` contiguous, `c` is `rows × n` contiguous.
    static func gemm(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, k: Int, n: Int, bias: UnsafePointer<Float>?
    ) {
        var r = 0
        while r < rows {
            let height = min(4, rows - r)
            let ar = a + r * lda, cr = c + r * n
            var j = 0
            while j + 8 <= n {
                tile(ar, lda, b + j, n, cr + j, n, k, bias.map { $0 + j }, height)
                j += 8
            }
            if j < n {
                // Remaining columns: plain dot products.
                for row in 0..<height {
                    let x = ar + row * lda
                    for col in j..<n {
                        var sum: Float = 0
                        for i in 0..<k { sum.addProduct(x[i], b[i * n + col]) }
                        cr[row * n + col] = sum + (bias?[col] ?? 0)
                    }
                }
            }
            r += height
        }
    }

    /// One tile of up to 4 rows × 8 columns.
    @inline(__always)
    static func tile(
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ k: Int, _ bias: UnsafePointer<Float>?, _ height: Int
    ) {
        let raw = UnsafeRawPointer(b)
        var c0l = SIMD4<Float>(), c0h = SIMD4<Float>(), c1l = SIMD4<Float>(), c1h = SIMD4<Float>()
        var c2l = SIMD4<Float>(), c2h = SIMD4<Float>(), c3l = SIMD4<Float>(), c3h = SIMD4<Float>()
        // Rows past `height` read row 0 again and are never stored.
        let a0 = a, a1 = height > 1 ? a + lda : a, a2 = height > 2 ? a + 2 * lda : a, a3 = height > 3 ? a + 3 * lda : a
        var row = raw
        let step = ldb &* 4
        for i in 0..<k {
            let lo = row.loadUnaligned(as: SIMD4<Float>.self)
            let hi = row.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
            row += step
            let x0 = SIMD4(repeating: a0[i]), x1 = SIMD4(repeating: a1[i])
            let x2 = SIMD4(repeating: a2[i]), x3 = SIMD4(repeating: a3[i])
            c0l.addProduct(x0, lo)
            c0h.addProduct(x0, hi)
            c1l.addProduct(x1, lo)
            c1h.addProduct(x1, hi)
            c2l.addProduct(x2, lo)
            c2h.addProduct(x2, hi)
            c3l.addProduct(x3, lo)
            c3h.addProduct(x3, hi)
        }
        if let bias {
            let lo = UnsafeRawPointer(bias).loadUnaligned(as: SIMD4<Float>.self)
            let hi = UnsafeRawPointer(bias + 4).loadUnaligned(as: SIMD4<Float>.self)
            c0l += lo; c0h += hi; c1l += lo; c1h += hi; c2l += lo; c2h += hi; c3l += lo; c3h += hi
        }
        let out = UnsafeMutableRawPointer(c)
        @inline(__always) func store(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>, _ row: Int) {
            out.storeBytes(of: lo, toByteOffset: row * ldc * 4, as: SIMD4<Float>.self)
            out.storeBytes(of: hi, toByteOffset: (row * ldc + 4) * 4, as: SIMD4<Float>.self)
        }
        store(c0l, c0h, 0)
        if height > 1 { store(c1l, c1h, 1) }
        if height > 2 { store(c2l, c2h, 2) }
        if height > 3 { store(c3l, c3h, 3) }
    }
}
