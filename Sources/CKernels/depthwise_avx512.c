// The int32 depthwise convolution with the Akida 2.0 output stage applied in registers (AVX-512, the
// VNNI path): 64 channels of one output position accumulate in four vectors over the taps, then go
// through stage_avx512.h and are stored as int32. Taps outside the input read the pad values or
// add nothing, as sf_depthwise_i32.
#include "CKernels.h"
#include "stage_avx512.h"

#if SF_X86

#define UNROLL _Pragma("clang loop unroll(full)")

SF_TARGET_VNNI void sf_depthwise_avx512_output(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int first,
    int last, int out1, int k0, int k1, int s0, int s1, int c, const sf_output_v2 *post, int32_t *out) {
    int narrow = stage_is_narrow(post);
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
            for (int o1 = 0; o1 < out1; o1++) {
                __m512i acc[4];
                UNROLL for (int v = 0; v < 4; v++) acc[v] = _mm512_setzero_si512();
                for (int i = 0; i < k0; i++) {
                    int r = o0 * s0 + i - pad0;
                    for (int j = 0; j < k1; j++) {
                        int q = o1 * s1 + j - pad1;
                        const int32_t *xp;
                        if (r >= 0 && r < d0 && q >= 0 && q < d1)
                            xp = x + (((size_t)r * d1 + q) * c + c0);
                        else if (pad_values)
                            xp = pad_values + c0;
                        else
                            continue;
                        const int32_t *wp = w + ((size_t)(i * k1 + j) * c + c0);
                        UNROLL for (int v = 0; v < 4; v++) acc[v] = _mm512_add_epi32(acc[v],
                            _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(m[v], xp + 16 * v),
                                _mm512_maskz_loadu_epi32(m[v], wp + 16 * v)));
                    }
                }
                int32_t *o = out + ((size_t)o0 * out1 + o1) * c + c0;
                UNROLL for (int v = 0; v < 4; v++)
                    if (m[v]) _mm512_mask_storeu_epi32(o + 16 * v, m[v], stage16_apply(&st[v], acc[v]));
            }
        }
    }
}

#endif
