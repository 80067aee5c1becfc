// The AVX2 u8 × s8 convolution: `vpmaddubsw` sums two u8 × s8 products into int16, `vpmaddwd`
// widens to int32; tiles of 4 pixels × 16 outputs. When two products could pass 32767 the input is
// split into its low 7 bits and bit 7 (x_high), whose products are summed with weight 128. A tile's
// sums are stored as int64 per weight copy, or (one copy, a stage proven to fit 32 bits) go through
// the Akida 2.0 output stage in registers and are stored as int32.
#include "packed.h"
#include "stage_narrow.h"

#if SF_X86

#define SF_AVX2_INLINE SF_TARGET_AVX2 static inline __attribute__((always_inline))

/// The 32-bit output stage of 8 exact sums of channels f..<f + 8.
SF_AVX2_INLINE __m256i narrow8(const narrow_stage *n, __m256i v, int f) {
    const __m256i bias = _mm256_loadu_si256((const __m256i *)(n->bias + f));
    if (n->bias_first) v = _mm256_add_epi32(v, bias);
    if (n->mode & STAGE_CLAMP_BUFFER)
        v = _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(n->buffer_lo)), _mm256_set1_epi32(n->buffer_hi));
    if (!n->bias_first) v = _mm256_add_epi32(v, bias);
    if (n->relu)
        v = _mm256_min_epi32(
            _mm256_max_epi32(v, _mm256_setzero_si256()), _mm256_loadu_si256((const __m256i *)(n->clip + f)));
    __m256i prod = _mm256_mullo_epi32(v, _mm256_loadu_si256((const __m256i *)(n->scale + f)));
    if (n->mode & STAGE_CLAMP_POST)
        prod = _mm256_min_epi32(_mm256_max_epi32(prod, _mm256_set1_epi32(n->post_lo)), _mm256_set1_epi32(n->post_hi));
    __m256i r = _mm256_srav_epi32(_mm256_add_epi32(prod, _mm256_loadu_si256((const __m256i *)(n->half + f))),
        _mm256_loadu_si256((const __m256i *)(n->shift + f)));
    return _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(n->out_lo)), _mm256_set1_epi32(n->out_hi));
}

/// The 16 sums (lo, hi) of output block `block` of pixel `pix` (weight copy 0, the only one): the
/// offset removed, shifted by the copy's input shift, through the stage into out32.
SF_AVX2_INLINE void store16_narrow(
    const sf_packed_i8 *p, const narrow_stage *n, __m256i lo, __m256i hi, int block, int pix, int offset,
    int32_t *out32) {
    int f0 = block * 16, count = p->outputs - f0 < 16 ? p->outputs - f0 : 16;
    const __m256i off = _mm256_set1_epi32(offset);
    const __m128i shift = _mm_cvtsi32_si128(p->shifts[0]);
    lo = _mm256_sll_epi32(
        _mm256_sub_epi32(lo, _mm256_mullo_epi32(off, _mm256_loadu_si256((const __m256i *)(p->sums + f0)))), shift);
    hi = _mm256_sll_epi32(
        _mm256_sub_epi32(hi, _mm256_mullo_epi32(off, _mm256_loadu_si256((const __m256i *)(p->sums + f0 + 8)))), shift);
    int32_t *o = out32 + (size_t)pix * p->outputs + f0;
    __m256i a = narrow8(n, lo, f0), b = narrow8(n, hi, f0 + 8);
    if (count == 16) {
        _mm256_storeu_si256((__m256i *)o, a);
        _mm256_storeu_si256((__m256i *)(o + 8), b);
        return;
    }
    int32_t lanes[16];
    _mm256_storeu_si256((__m256i *)lanes, a);
    _mm256_storeu_si256((__m256i *)(lanes + 8), b);
    memcpy(o, lanes, (size_t)count * sizeof(int32_t));
}

#define AVX2_TILE(MP, SPLIT)                                                                                 \
    SF_TARGET_AVX2 static void avx2_tile##MP##_##SPLIT(                                                      \
        const sf_packed_i8 *p, const int8_t *wb, const uint8_t *x, const uint8_t *xh, int pix, int out1,     \
        ptrdiff_t st0, ptrdiff_t st1, ptrdiff_t seg, int copy, int block, int offset, int64_t *out,                   \
        const narrow_stage *ns, int32_t *out32) {                                                            \
        __m256i lo[MP], hi[MP];                                                                              \
        ptrdiff_t at[MP];                                                                                    \
        const __m256i ones = _mm256_set1_epi16(1), high = _mm256_set1_epi16(128);                           \
        for (int j = 0; j < MP; j++) {                                                                       \
            lo[j] = hi[j] = _mm256_setzero_si256();                                                          \
            at[j] = pixel_base(x, pix + j, out1, st0, st1) - x;                                              \
        }                                                                                                    \
        const int8_t *w = wb;                                                                                \
        const int step = panel_blocks(p, block) * 64;                                                        \
        for (int s = 0; s < p->segments; s++) {                                                              \
            for (int g = 0; g < p->groups; g++, w += step) {                                                 \
                __m256i w0 = _mm256_loadu_si256((const __m256i *)w);                                         \
                __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + 32));                                  \
                for (int j = 0; j < MP; j++) {                                                               \
                    __m256i xb = _mm256_set1_epi32((int)load4(x + at[j] + 4 * g));                           \
                    lo[j] = _mm256_add_epi32(lo[j], _mm256_madd_epi16(_mm256_maddubs_epi16(xb, w0), ones));  \
                    hi[j] = _mm256_add_epi32(hi[j], _mm256_madd_epi16(_mm256_maddubs_epi16(xb, w1), ones));  \
                    if (SPLIT) {                                                                             \
                        __m256i hb = _mm256_set1_epi32((int)load4(xh + at[j] + 4 * g));                      \
                        lo[j] = _mm256_add_epi32(lo[j], _mm256_madd_epi16(_mm256_maddubs_epi16(hb, w0), high)); \
                        hi[j] = _mm256_add_epi32(hi[j], _mm256_madd_epi16(_mm256_maddubs_epi16(hb, w1), high)); \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
            for (int j = 0; j < MP; j++) at[j] += seg;                                                       \
        }                                                                                                    \
        if (ns) {                                                                                            \
            for (int j = 0; j < MP; j++) store16_narrow(p, ns, lo[j], hi[j], block, pix + j, offset, out32); \
            return;                                                                                          \
        }                                                                                                    \
        for (int j = 0; j < MP; j++) {                                                                       \
            uint32_t lanes[16];                                                                              \
            _mm256_storeu_si256((__m256i *)lanes, lo[j]);                                                    \
            _mm256_storeu_si256((__m256i *)(lanes + 8), hi[j]);                                              \
            store_block(p, lanes, copy, block, pix + j, offset, out);                                        \
        }                                                                                                    \
    }
AVX2_TILE(4, 0)
AVX2_TILE(1, 0)
AVX2_TILE(4, 1)
AVX2_TILE(1, 1)

SF_TARGET_AVX2 void sf_conv_avx2(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t st0, ptrdiff_t st1, ptrdiff_t seg,
    int out1, int first, int pixels, int offset, int64_t *out, const narrow_stage *ns, int32_t *out32) {
    for (int k = 0; k < p->copies; k++) {
        for (int b = 0; b < p->blocks; b++) {
            const int8_t *wb = block_weights(p, k, b);
            int pix = first;
            if (high) {
                for (; pix + 4 <= pixels; pix += 4)
                    avx2_tile4_1(p, wb, x, high, pix, out1, st0, st1, seg, k, b, offset, out, ns, out32);
                for (; pix < pixels; pix++)
                    avx2_tile1_1(p, wb, x, high, pix, out1, st0, st1, seg, k, b, offset, out, ns, out32);
            } else {
                for (; pix + 4 <= pixels; pix += 4)
                    avx2_tile4_0(p, wb, x, NULL, pix, out1, st0, st1, seg, k, b, offset, out, ns, out32);
                for (; pix < pixels; pix++)
                    avx2_tile1_0(p, wb, x, NULL, pix, out1, st0, st1, seg, k, b, offset, out, ns, out32);
            }
        }
    }
}
#endif
