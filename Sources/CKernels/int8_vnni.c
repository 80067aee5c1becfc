// The AVX-512 VNNI convolution: tiles of a few pixels × one weight panel (up to 64 outputs), one
// `vpdpbusd` per pixel, block and 4 inputs, the sums kept in registers through every weight copy
// (shifted between copies, so Σ copy · 2^shift needs no second set of registers). The finished
// tile is stored as the int64 sums the simulator's Swift stages read, or goes through the Akida 2.0
// output stage in registers (stage_avx512.h).
#include "packed.h"
#include "stage_avx512.h"

#if SF_X86

#define UNROLL _Pragma("clang loop unroll(full)")

/// The exact sums `v` of 16 outputs from f0 (n of them valid) of pixel `pix` as int64 into `out`.
SF_VNNI_INLINE void store16_wide(const sf_packed_i8 *p, __m512i v, int f0, int n, int pix, int64_t *out) {
    __mmask16 m = (__mmask16)((1u << n) - 1);
    int64_t *o = out + (size_t)pix * p->outputs + f0;
    _mm512_mask_storeu_epi64(o, (__mmask8)m, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)));
    if (n > 8)
        _mm512_mask_storeu_epi64(o + 8, (__mmask8)(m >> 8), _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)));
}

// MP pixels × NB blocks of 16 outputs (the panel from block b0). Every pixel's 4 inputs are
// broadcast once and meet NB weight vectors; MP · NB + NB + 1 of the 32 vector registers. Not
// inlined: one copy per tile shape, each named in profiles.
#define VNNI_TILE(MP, NB)                                                                                    \
    SF_TARGET_VNNI __attribute__((noinline)) static void vnni_tile_##MP##x##NB(                              \
        const sf_packed_i8 *p, int b0, const uint8_t *x, int pix, int out1, ptrdiff_t st0, ptrdiff_t st1,   \
        ptrdiff_t seg, int offset, int64_t *out, const sf_output_v2 *post, int narrow, int32_t *out32) {     \
        __m512i acc[MP * NB];                                                                                \
        UNROLL for (int i = 0; i < MP * NB; i++) acc[i] = _mm512_setzero_si512();                            \
        for (int c = 0; c < p->copies; c++) {                                                                \
            int k = p->order[c];                                                                             \
            if (c > 0) {                                                                                     \
                __m128i d = _mm_cvtsi32_si128(p->shifts[p->order[c - 1]] - p->shifts[k]);                    \
                UNROLL for (int i = 0; i < MP * NB; i++) acc[i] = _mm512_sll_epi32(acc[i], d);               \
            }                                                                                                \
            const uint8_t *xs[MP];                                                                           \
            for (int j = 0; j < MP; j++) xs[j] = pixel_base(x, pix + j, out1, st0, st1);                     \
            const int8_t *w = block_weights(p, k, b0);                                                       \
            for (int s = 0; s < p->segments; s++) {                                                          \
                for (int g = 0; g < p->groups; g++, w += NB * 64) {                                          \
                    __m512i wv[NB];                                                                          \
                    UNROLL for (int b = 0; b < NB; b++) wv[b] = _mm512_loadu_si512(w + b * 64);              \
                    UNROLL for (int j = 0; j < MP; j++) {                                                    \
                        __m512i xb = _mm512_set1_epi32((int)load4(xs[j] + 4 * g));                           \
                        UNROLL for (int b = 0; b < NB; b++)                                                  \
                            acc[j * NB + b] = _mm512_dpbusd_epi32(acc[j * NB + b], xb, wv[b]);               \
                    }                                                                                        \
                }                                                                                            \
                for (int j = 0; j < MP; j++) xs[j] += seg;                                                   \
            }                                                                                                \
        }                                                                                                    \
        /* Σ copy · 2^shift, less the input offset times the same sum of the weights. The sums leave   \
           the registers first: indexing `acc` in a loop the compiler may keep rolled would pin it to   \
           memory for the whole accumulation. */                                                         \
        __m512i sums[MP * NB];                                                                               \
        __m128i last = _mm_cvtsi32_si128(p->shifts[p->order[p->copies - 1]]);                               \
        UNROLL for (int i = 0; i < MP * NB; i++) sums[i] = _mm512_sll_epi32(acc[i], last);                   \
        for (int b = 0; b < NB; b++) {                                                                       \
            int f0 = (b0 + b) * 16, n = p->outputs - f0 < 16 ? p->outputs - f0 : 16;                       \
            __m512i corr = _mm512_mullo_epi32(                                                               \
                _mm512_set1_epi32(offset), _mm512_loadu_si512(p->shifted_sums + f0));                        \
            if (!post) {                                                                                     \
                for (int j = 0; j < MP; j++)                                                                 \
                    store16_wide(p, _mm512_sub_epi32(sums[j * NB + b], corr), f0, n, pix + j, out);          \
                continue;                                                                                    \
            }                                                                                                \
            stage16 st = stage16_at(post, narrow, f0, n);                                                    \
            for (int j = 0; j < MP; j++)                                                                     \
                _mm512_mask_storeu_epi32(out32 + (size_t)(pix + j) * p->outputs + f0, st.m,                  \
                    stage16_apply(&st, _mm512_sub_epi32(sums[j * NB + b], corr)));                           \
        }                                                                                                    \
    }

VNNI_TILE(6, 4)
VNNI_TILE(8, 3)
VNNI_TILE(12, 2)
VNNI_TILE(12, 1)
VNNI_TILE(1, 4)
VNNI_TILE(1, 3)
VNNI_TILE(1, 2)
VNNI_TILE(1, 1)

#define VNNI_PANEL(MP, NB)                                                                                   \
    for (; pix + MP <= last; pix += MP)                                                                      \
        vnni_tile_##MP##x##NB(p, b0, x, pix, out1, st0, st1, seg, offset, out, post, narrow, out32);                 \
    for (; pix < last; pix++) vnni_tile_1x##NB(p, b0, x, pix, out1, st0, st1, seg, offset, out, post, narrow, out32);

SF_TARGET_VNNI void sf_conv_vnni(
    const sf_packed_i8 *p, const uint8_t *x, ptrdiff_t st0, ptrdiff_t st1, ptrdiff_t seg, int out1, int first,
    int last, int offset, int64_t *out, const sf_output_v2 *post, int32_t *out32) {
    int narrow = post ? stage_narrow_mode(post) : 0;
    for (int b0 = 0; b0 < p->blocks; b0 += SF_PANEL_BLOCKS) {
        int pix = first;
        switch (panel_blocks(p, b0)) {
        case 4: VNNI_PANEL(6, 4) break;
        case 3: VNNI_PANEL(8, 3) break;
        case 2: VNNI_PANEL(12, 2) break;
        default: VNNI_PANEL(12, 1) break;
        }
    }
}

#endif
