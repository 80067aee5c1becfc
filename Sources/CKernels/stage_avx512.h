// The Akida 2.0 output stage (reference 7.5; the arithmetic of output.c) on 16 channels' exact
// int32 sums in AVX-512 registers, for the VNNI convolution and depthwise kernels. When the
// layer's bounds and per-channel variables prove that no intermediate value leaves 32 bits
// (`narrow`), it runs 16 lanes of 32-bit arithmetic; otherwise two halves of 8 in 64 bits. Both give
// output.c's values exactly.
#ifndef SPIKEFORGE_CKERNELS_STAGE_AVX512_H
#define SPIKEFORGE_CKERNELS_STAGE_AVX512_H

#include "stage_narrow.h"

#if SF_X86

#define SF_VNNI_INLINE SF_TARGET_VNNI static inline __attribute__((always_inline))

/// 16 int64 values from a (the lanes of m) saturated to int32 (a clip beyond int32 clips nothing
/// that fits int32).
SF_VNNI_INLINE __m512i load16_narrow(const int64_t *a, __mmask16 m) {
    __m256i lo = _mm512_cvtsepi64_epi32(_mm512_maskz_loadu_epi64((__mmask8)m, a));
    __m256i hi = _mm512_cvtsepi64_epi32(_mm512_maskz_loadu_epi64((__mmask8)(m >> 8), a + 8));
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

SF_VNNI_INLINE __m512i clamp64(__m512i v, __m512i lo, __m512i hi) {
    return _mm512_min_epi64(_mm512_max_epi64(v, lo), hi);
}

/// The 64-bit stage of 8 sums of channels f..<f + 8 (lanes outside `m` are ignored).
SF_VNNI_INLINE __m256i stage_wide8(const sf_output_v2 *o, __m512i v, int f, __mmask8 m) {
    const __m512i bias = _mm512_maskz_loadu_epi64(m, o->bias + f);
    const __m512i blo = _mm512_set1_epi64(o->buffer_lo), bhi = _mm512_set1_epi64(o->buffer_hi);
    v = o->bias_first ? clamp64(_mm512_add_epi64(v, bias), blo, bhi) : _mm512_add_epi64(clamp64(v, blo, bhi), bias);
    if (o->relu)
        v = _mm512_min_epi64(_mm512_max_epi64(v, _mm512_setzero_si512()), _mm512_maskz_loadu_epi64(m, o->clip + f));
    // s = (−shift) mod 64; half = (2^s as a signed 64-bit value) >> 1, as output.c.
    const __m512i s = _mm512_and_si512(
        _mm512_sub_epi64(_mm512_setzero_si512(), _mm512_maskz_loadu_epi64(m, o->shift + f)), _mm512_set1_epi64(63));
    const __m512i half = _mm512_srai_epi64(_mm512_sllv_epi64(_mm512_set1_epi64(1), s), 1);
    __m512i prod = _mm512_mullo_epi64(v, _mm512_maskz_loadu_epi64(m, o->scale + f));
    prod = clamp64(prod, _mm512_set1_epi64(o->post_lo), _mm512_set1_epi64(o->post_hi));
    __m512i r = _mm512_srav_epi64(_mm512_add_epi64(prod, half), s);
    r = clamp64(r, _mm512_set1_epi64(o->out_lo), _mm512_set1_epi64(o->out_hi));
    return _mm512_cvtepi64_epi32(r);
}

/// The stage's variables for 16 channels from f0: in 32-bit lanes when narrow.
typedef struct {
    const sf_output_v2 *o;
    int narrow, f0;  // narrow: stage_narrow_mode (0: 64-bit)
    __mmask16 m;
    __m512i bias, clip, scale, s, half, blo, bhi, plo, phi, olo, ohi;
} stage16;

SF_VNNI_INLINE stage16 stage16_at(const sf_output_v2 *o, int narrow, int f0, int n) {
    stage16 st;
    st.o = o;
    st.narrow = narrow;
    st.f0 = f0;
    st.m = (__mmask16)((1u << n) - 1);
    if (!narrow) return st;
    st.bias = load16_narrow(o->bias + f0, st.m);
    st.clip = load16_narrow(o->clip + f0, st.m);
    st.scale = load16_narrow(o->scale + f0, st.m);
    st.s = _mm512_and_si512(_mm512_sub_epi32(_mm512_setzero_si512(), load16_narrow(o->shift + f0, st.m)),
        _mm512_set1_epi32(63));
    st.half = _mm512_srai_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), st.s), 1);
    st.blo = _mm512_set1_epi32(saturate32(o->buffer_lo));
    st.bhi = _mm512_set1_epi32(saturate32(o->buffer_hi));
    st.plo = _mm512_set1_epi32(saturate32(o->post_lo));
    st.phi = _mm512_set1_epi32(saturate32(o->post_hi));
    st.olo = _mm512_set1_epi32(saturate32(o->out_lo));
    st.ohi = _mm512_set1_epi32(saturate32(o->out_hi));
    return st;
}

/// The outputs of the exact int32 sums v of the 16 channels of `st`.
SF_VNNI_INLINE __m512i stage16_apply(const stage16 *st, __m512i v) {
    if (st->narrow) {
        if (st->o->bias_first) v = _mm512_add_epi32(v, st->bias);
        if (st->narrow & STAGE_CLAMP_BUFFER) v = _mm512_min_epi32(_mm512_max_epi32(v, st->blo), st->bhi);
        if (!st->o->bias_first) v = _mm512_add_epi32(v, st->bias);
        if (st->o->relu) v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_setzero_si512()), st->clip);
        __m512i prod = _mm512_mullo_epi32(v, st->scale);
        if (st->narrow & STAGE_CLAMP_POST) prod = _mm512_min_epi32(_mm512_max_epi32(prod, st->plo), st->phi);
        __m512i r = _mm512_srav_epi32(_mm512_add_epi32(prod, st->half), st->s);
        return _mm512_min_epi32(_mm512_max_epi32(r, st->olo), st->ohi);
    }
    __m256i lo = stage_wide8(st->o, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)), st->f0, (__mmask8)st->m);
    __m256i hi = stage_wide8(
        st->o, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)), st->f0 + 8, (__mmask8)(st->m >> 8));
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

#endif
#endif
