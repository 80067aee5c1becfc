// The int32 depthwise convolution with the Akida 2.0 output stage applied in registers (AVX-512, the
// VNNI path): 64 channels of one output position accumulate in four vectors over the taps, then go
// through stage_avx512.h and are stored as int32. Taps outside the input read the pad values or
// add nothing, as sf_depthwise_i32.
#include "CKernels.h"
#include "stage_avx512.h"

#if SF_X86

#define UNROLL _Pragma("clang loop unroll(full)")

/// Accumulates the taps of P consecutive output positions (o0, o1..<o1 + P) for the 64 channels
/// from c0 (lanes of m), then runs the output stage and stores them. `inside`: every tap of the P
/// positions lies in the input (no bounds checks). Each tap's weights are loaded once for the P.
SF_VNNI_INLINE void positions(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int o0, int o1,
    int out1, int k0, int k1, int s0, int s1, int c, int c0, const __mmask16 *m, const stage16 *st, int32_t *out,
    const int P, int inside) {
    __m512i acc[4 * 4];
    UNROLL for (int v = 0; v < 4 * P; v++) acc[v] = _mm512_setzero_si512();
    for (int i = 0; i < k0; i++) {
        int r = o0 * s0 + i - pad0;
        for (int j = 0; j < k1; j++) {
            const int32_t *wp = w + ((size_t)(i * k1 + j) * c + c0);
            __m512i wv[4];
            UNROLL for (int v = 0; v < 4; v++) wv[v] = _mm512_maskz_loadu_epi32(m[v], wp + 16 * v);
            UNROLL for (int p = 0; p < P; p++) {
                int q = (o1 + p) * s1 + j - pad1;
                const int32_t *xp;
                if (inside || (r >= 0 && r < d0 && q >= 0 && q < d1))
                    xp = x + (((size_t)r * d1 + q) * c + c0);
                else if (pad_values)
                    xp = pad_values + c0;
                else
                    continue;
                UNROLL for (int v = 0; v < 4; v++) acc[p * 4 + v] = _mm512_add_epi32(
                    acc[p * 4 + v], _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(m[v], xp + 16 * v), wv[v]));
            }
        }
    }
    UNROLL for (int p = 0; p < P; p++) {
        int32_t *o = out + ((size_t)o0 * out1 + o1 + p) * c + c0;
        UNROLL for (int v = 0; v < 4; v++)
            if (m[v]) _mm512_mask_storeu_epi32(o + 16 * v, m[v], stage16_apply(&st[v], acc[p * 4 + v]));
    }
}

/// The first output index along an axis whose window starts inside the input, and the end of those
/// whose window also ends inside it.
static void inside_span(int size, int kernel, int stride, int pad, int outputs, int *first, int *end) {
    int f = (pad + stride - 1) / stride;  // o · stride − pad ≥ 0
    int e = size - kernel + pad >= 0 ? (size - kernel + pad) / stride + 1 : 0;  // o · stride − pad + kernel ≤ size
    *first = f;
    *end = e < outputs ? e : outputs;
}

SF_TARGET_VNNI void sf_depthwise_avx512_output(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int first,
    int last, int out1, int k0, int k1, int s0, int s1, int c, const sf_output_v2 *post, int32_t *out) {
    int narrow = stage_narrow_mode(post);
    int row_first, row_end, col_first, col_end;
    inside_span(d0, k0, s0, pad0, last, &row_first, &row_end);
    inside_span(d1, k1, s1, pad1, out1, &col_first, &col_end);
    for (int c0 = 0; c0 < c; c0 += 64) {
        __mmask16 m[4];
        stage16 st[4];
        UNROLL for (int v = 0; v < 4; v++) {
            int n = c - c0 - 16 * v;
            n = n < 0 ? 0 : n > 16 ? 16 : n;
            m[v] = (__mmask16)((1u << n) - 1);
            if (n > 0) st[v] = stage16_at(post, narrow, c0 + 16 * v, n);
        }
        for (int o0 = first; o0 < last; o0++) {
            int row_inside = o0 >= row_first && o0 < row_end;
            int o1 = 0;
            for (; o1 + 4 <= out1; o1 += 4) {
                if (row_inside && o1 >= col_first && o1 + 4 <= col_end)
                    positions(
                        x, d0, d1, pad0, pad1, pad_values, w, o0, o1, out1, k0, k1, s0, s1, c, c0, m, st, out, 4, 1);
                else
                    positions(
                        x, d0, d1, pad0, pad1, pad_values, w, o0, o1, out1, k0, k1, s0, s1, c, c0, m, st, out, 4, 0);
            }
            for (; o1 < out1; o1++)
                positions(x, d0, d1, pad0, pad1, pad_values, w, o0, o1, out1, k0, k1, s0, s1, c, c0, m, st, out, 1, 0);
        }
    }
}

#endif
