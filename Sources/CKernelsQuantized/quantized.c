// The quantized-Keras engine's elementwise and staging loops, one body per path's vector width
// (AVX-512, AVX2, portable: plain C, with SSE2 lanes where x86-64 guarantees them), chosen by
// CKernels' active path. Float steps are never contracted into fused multiply-adds: v · m + 0.5
// rounds twice, as the reference's float32 ops do.
#pragma STDC FP_CONTRACT OFF
#include "CKernelsQuantized.h"

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "CKernels.h"

#if defined(__x86_64__)
#define SFQ_X86 1
#define SFQ_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define SFQ_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl")))
#else
#define SFQ_X86 0
#endif
#define SFQ_INLINE static inline __attribute__((always_inline))

// MARK: bodies (constant flags specialise them)

SFQ_INLINE float clamp_swift(float v, float lo, float hi) {
    v = lo >= v ? lo : v;  // Swift max(v, lo)
    return hi < v ? hi : v;  // Swift min(v, hi)
}

/// floor without libm (baseline x86-64 has no rounding instruction): floats of magnitude 2^23 and
/// above are integers; below, truncation then one step down for negative fractions. Equal to
/// floorf except that -0.0 gives +0.0 (never an argument here: v + 0.5 is never -0.0).
SFQ_INLINE float floor_truncating(float h) {
    if (!(fabsf(h) < 0x1p23f)) return h;
    float t = (float)(int32_t)h;
    return t > h ? t - 1.0f : t;
}

SFQ_INLINE float step(
    float v, float m, float a, int has_mul, int has_add, int round_half_up, float lo, float hi, int libm_floor) {
    if (has_mul) v = v * m;
    if (has_add) v = v + a;
    if (round_half_up) {
        float h = v + 0.5f;
        v = libm_floor ? floorf(h) : floor_truncating(h);
    }
    return clamp_swift(v, lo, hi);
}

SFQ_INLINE void affine_body(
    float *x, size_t rows, int c, const float *mul, const float *add, int has_mul, int has_add, int round_half_up,
    const float *lo, const float *hi, int libm_floor) {
    if (c == 1) {
        const float m = has_mul ? mul[0] : 1, a = has_add ? add[0] : 0, l = lo[0], h = hi[0];
        for (size_t i = 0; i < rows; i++) x[i] = step(x[i], m, a, has_mul, has_add, round_half_up, l, h, libm_floor);
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * (size_t)c;
        for (int ch = 0; ch < c; ch++)
            row[ch] = step(
                row[ch], has_mul ? mul[ch] : 1, has_add ? add[ch] : 0, has_mul, has_add, round_half_up, lo[ch],
                hi[ch], libm_floor);
    }
}

SFQ_INLINE void affine_dispatch(
    float *x, size_t rows, int c, const float *mul, const float *add, int round_half_up, const float *lo,
    const float *hi, int libm_floor) {
    int code = (mul != NULL) | (add != NULL) << 1 | (round_half_up != 0) << 2;
    switch (code) {
    case 0: affine_body(x, rows, c, mul, add, 0, 0, 0, lo, hi, libm_floor); break;
    case 1: affine_body(x, rows, c, mul, add, 1, 0, 0, lo, hi, libm_floor); break;
    case 2: affine_body(x, rows, c, mul, add, 0, 1, 0, lo, hi, libm_floor); break;
    case 3: affine_body(x, rows, c, mul, add, 1, 1, 0, lo, hi, libm_floor); break;
    case 4: affine_body(x, rows, c, mul, add, 0, 0, 1, lo, hi, libm_floor); break;
    case 5: affine_body(x, rows, c, mul, add, 1, 0, 1, lo, hi, libm_floor); break;
    case 6: affine_body(x, rows, c, mul, add, 0, 1, 1, lo, hi, libm_floor); break;
    default: affine_body(x, rows, c, mul, add, 1, 1, 1, lo, hi, libm_floor); break;
    }
}

SFQ_INLINE int range_body(const float *x, size_t n, float *lo, float *hi, size_t i, float a, float b, int integral) {
    for (; i < n; i++) {
        float v = x[i];
        a = v < a ? v : a;
        b = v > b ? v : b;
        integral &= floor_truncating(v) == v;
    }
    *lo = a;
    *hi = b;
    return integral && isfinite(a) && isfinite(b);
}

SFQ_INLINE void bytes_body(
    const float *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const float *pad_values, int offset,
    uint8_t *out) {
    for (int r = 0; r < p0; r++) {
        int ir = r - pad0;
        for (int q = 0; q < p1; q++) {
            int iq = q - pad1;
            uint8_t *o = out + ((size_t)r * p1 + q) * c;
            if (ir >= 0 && ir < d0 && iq >= 0 && iq < d1) {
                // The input positions left in this row (within the padded grid) are contiguous.
                int positions = d1 - iq < p1 - q ? d1 - iq : p1 - q, run = positions * c;
                const float *s = x + ((size_t)ir * d1 + iq) * c;
                for (int k = 0; k < run; k++) o[k] = (uint8_t)((int32_t)s[k] + offset);
                q += positions - 1;
            } else {
                for (int ch = 0; ch < c; ch++) o[ch] = (uint8_t)((pad_values ? (int32_t)pad_values[ch] : 0) + offset);
            }
        }
    }
}

SFQ_INLINE void to_i32_body(const float *x, size_t n, int32_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = (int32_t)x[i];
}

SFQ_INLINE void to_f32_body(const int64_t *x, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = (float)(int32_t)x[i];
}

// The vector bodies of range: min/max lanes (NaN lanes are caught by the integer test).
#if SFQ_X86
SFQ_TARGET_AVX512 static int range_avx512(const float *x, size_t n, float *lo, float *hi) {
    if (n < 16) return range_body(x, n, lo, hi, 0, n ? x[0] : 0, n ? x[0] : 0, 1);
    __m512 mn = _mm512_loadu_ps(x), mx = mn;
    __mmask16 bad = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        mn = _mm512_min_ps(mn, v);
        mx = _mm512_max_ps(mx, v);
        bad |= _mm512_cmp_ps_mask(_mm512_roundscale_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC), v, _CMP_NEQ_UQ);
    }
    return range_body(x, n, lo, hi, i, _mm512_reduce_min_ps(mn), _mm512_reduce_max_ps(mx), bad == 0);
}

SFQ_TARGET_AVX2 static int range_avx2(const float *x, size_t n, float *lo, float *hi) {
    if (n < 8) return range_body(x, n, lo, hi, 0, n ? x[0] : 0, n ? x[0] : 0, 1);
    __m256 mn = _mm256_loadu_ps(x), mx = mn, bad = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        mn = _mm256_min_ps(mn, v);
        mx = _mm256_max_ps(mx, v);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_floor_ps(v), v, _CMP_NEQ_UQ));
    }
    float l[8], h[8];
    _mm256_storeu_ps(l, mn);
    _mm256_storeu_ps(h, mx);
    float a = l[0], b = h[0];
    for (int k = 1; k < 8; k++) {
        a = l[k] < a ? l[k] : a;
        b = h[k] > b ? h[k] : b;
    }
    return range_body(x, n, lo, hi, i, a, b, _mm256_movemask_ps(bad) == 0);
}
#endif

#if SFQ_X86
// Every x86-64 has SSE2: min/max lanes, and the integer test by truncation (cvttps2dq).
static int range_portable(const float *x, size_t n, float *lo, float *hi) {
    if (n < 4) return range_body(x, n, lo, hi, 0, n ? x[0] : 0, n ? x[0] : 0, 1);
    const __m128 big = _mm_set1_ps(0x1p23f), magnitude = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    __m128 mn = _mm_loadu_ps(x), mx = mn, ok = _mm_castsi128_ps(_mm_set1_epi32(-1));
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 v = _mm_loadu_ps(x + i);
        mn = _mm_min_ps(mn, v);
        mx = _mm_max_ps(mx, v);
        // Below 2^23 an integer survives truncation; at and above it every float is one (NaN is not).
        __m128 small = _mm_cmplt_ps(_mm_and_ps(v, magnitude), big);
        __m128 same = _mm_cmpeq_ps(_mm_cvtepi32_ps(_mm_cvttps_epi32(v)), v);
        ok = _mm_and_ps(ok, _mm_or_ps(_mm_and_ps(small, same), _mm_andnot_ps(small, _mm_cmpeq_ps(v, v))));
    }
    float l[4], h[4];
    _mm_storeu_ps(l, mn);
    _mm_storeu_ps(h, mx);
    float a = l[0], b = h[0];
    for (int k = 1; k < 4; k++) {
        a = l[k] < a ? l[k] : a;
        b = h[k] > b ? h[k] : b;
    }
    return range_body(x, n, lo, hi, i, a, b, _mm_movemask_ps(ok) == 0xF);
}
#else
static int range_portable(const float *x, size_t n, float *lo, float *hi) {
    return range_body(x, n, lo, hi, 0, n ? x[0] : 0, n ? x[0] : 0, 1);
}
#endif

SFQ_INLINE void gather_body(const float *x, size_t pixels, int c, const int32_t *channels, int k, float *out) {
    for (size_t p = 0; p < pixels; p++)
        for (int j = 0; j < k; j++) out[p * k + j] = x[p * c + channels[j]];
}

SFQ_INLINE void add_shifted_body(int64_t *out, const int64_t *x, size_t n, int shift) {
    for (size_t i = 0; i < n; i++) out[i] += (int64_t)((uint64_t)x[i] << shift);
}

SFQ_INLINE void transpose_body(
    const int32_t *x, int n, int h, int w, int c, const int32_t *k, int f, int kh, int kw, int sy, int sx, int oh,
    int ow, int pad_y, int pad_x, int depthwise, int64_t *out) {
    for (int b = 0; b < n; b++)
        for (int iy = 0; iy < h; iy++)
            for (int ky = 0; ky < kh; ky++) {
                int oy = iy * sy + ky - pad_y;
                if (oy < 0 || oy >= oh) continue;
                for (int ix = 0; ix < w; ix++) {
                    const int32_t *xp = x + (((size_t)b * h + iy) * w + ix) * c;
                    for (int kx = 0; kx < kw; kx++) {
                        int ox = ix * sx + kx - pad_x;
                        if (ox < 0 || ox >= ow) continue;
                        int64_t *o = out + (((size_t)b * oh + oy) * ow + ox) * f;
                        const int32_t *kp = k + ((size_t)ky * kw + kx) * c * (depthwise ? 1 : f);
                        if (depthwise) {
                            for (int ci = 0; ci < c; ci++) o[ci] += (int64_t)xp[ci] * kp[ci];
                            continue;
                        }
                        for (int ci = 0; ci < c; ci++) {
                            int64_t v = xp[ci];
                            if (v == 0) continue;
                            const int32_t *kr = kp + (size_t)ci * f;
                            for (int fo = 0; fo < f; fo++) o[fo] += v * kr[fo];
                        }
                    }
                }
            }
}

// The vector paths floor with their rounding instruction (floorf), the portable one by truncation.
#define PATH(SUFFIX, TARGET, LIBM_FLOOR)                                                                      \
    TARGET static void affine_##SUFFIX(                                                                       \
        float *x, size_t rows, int c, const float *mul, const float *add, int rhu, const float *lo,           \
        const float *hi) {                                                                                    \
        affine_dispatch(x, rows, c, mul, add, rhu, lo, hi, LIBM_FLOOR);                                       \
    }                                                                                                         \
    TARGET static void bytes_##SUFFIX(                                                                        \
        const float *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const float *pad_values,   \
        int offset, uint8_t *out) {                                                                           \
        bytes_body(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, offset, out);                                \
    }                                                                                                         \
    TARGET static void to_i32_##SUFFIX(const float *x, size_t n, int32_t *out) { to_i32_body(x, n, out); }    \
    TARGET static void to_f32_##SUFFIX(const int64_t *x, size_t n, float *out) { to_f32_body(x, n, out); }    \
    TARGET static void gather_##SUFFIX(                                                                       \
        const float *x, size_t pixels, int c, const int32_t *channels, int k, float *out) {                   \
        gather_body(x, pixels, c, channels, k, out);                                                          \
    }                                                                                                         \
    TARGET static void add_shifted_##SUFFIX(int64_t *out, const int64_t *x, size_t n, int shift) {            \
        add_shifted_body(out, x, n, shift);                                                                   \
    }                                                                                                         \
    TARGET static void transpose_##SUFFIX(                                                                    \
        const int32_t *x, int n, int h, int w, int c, const int32_t *k, int f, int kh, int kw, int sy, int sx, \
        int oh, int ow, int pad_y, int pad_x, int depthwise, int64_t *out) {                                  \
        transpose_body(x, n, h, w, c, k, f, kh, kw, sy, sx, oh, ow, pad_y, pad_x, depthwise, out);            \
    }

PATH(portable, , 0)
#if SFQ_X86
PATH(avx512, SFQ_TARGET_AVX512, 1)
PATH(avx2, SFQ_TARGET_AVX2, 1)
#define SFQ_CALL(NAME, ...)                                                                                   \
    switch (sf_active_path()) {                                                                               \
    case SF_PATH_VNNI: return NAME##_avx512(__VA_ARGS__);                                                     \
    case SF_PATH_AVX2: return NAME##_avx2(__VA_ARGS__);                                                       \
    default: return NAME##_portable(__VA_ARGS__);                                                             \
    }
#else
#define SFQ_CALL(NAME, ...) return NAME##_portable(__VA_ARGS__);
#endif

void sf_q_affine_f32(
    float *x, size_t rows, int c, const float *mul, const float *add, int round_half_up, const float *lo,
    const float *hi) {
    SFQ_CALL(affine, x, rows, c, mul, add, round_half_up, lo, hi)
}

int sf_q_range_f32(const float *x, size_t n, float *lo, float *hi) { SFQ_CALL(range, x, n, lo, hi) }

void sf_q_bytes_padded_f32(
    const float *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const float *pad_values, int offset,
    uint8_t *out) {
    SFQ_CALL(bytes, x, d0, d1, c, p0, p1, pad0, pad1, pad_values, offset, out)
}

void sf_q_f32_to_i32(const float *x, size_t n, int32_t *out) { SFQ_CALL(to_i32, x, n, out) }

void sf_q_i64_to_f32(const int64_t *x, size_t n, float *out) { SFQ_CALL(to_f32, x, n, out) }

void sf_q_gather_f32(const float *x, size_t pixels, int c, const int32_t *channels, int k, float *out) {
    SFQ_CALL(gather, x, pixels, c, channels, k, out)
}

void sf_q_add_shifted_i64(int64_t *out, const int64_t *x, size_t n, int shift) {
    SFQ_CALL(add_shifted, out, x, n, shift)
}

void sf_q_transpose_i64(
    const int32_t *x, int n, int h, int w, int c, const int32_t *k, int f, int kh, int kw, int sy, int sx, int oh,
    int ow, int pad_y, int pad_x, int depthwise, int64_t *out) {
    SFQ_CALL(transpose, x, n, h, w, c, k, f, kh, kw, sy, sx, oh, ow, pad_y, pad_x, depthwise, out)
}
