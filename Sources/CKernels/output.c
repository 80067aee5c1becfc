// The Akida 2.0 output stage after accumulation, for unpooled and globally pooled layers whose
// output shifts all round to the right: buffer saturation, bias, ReLU clip, scale, post-op
// saturation, rounding shift and output saturation (reference 7.5). One loop body compiled for each
// path's vector width; every operation is the 64-bit wrapping arithmetic of the simulator's Swift
// definition, so every path is bit-exact. When stage_narrow.h proves that no value leaves 32 bits, a
// 32-bit body gives the same values with twice the lanes and the multiplies AVX2 has.
#include "stage_narrow.h"

SF_INLINE int64_t add64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
SF_INLINE int64_t sub64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
SF_INLINE int64_t mul64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
// Branch-free max / min (ReLU outcomes are data-dependent): exact for values well inside ±2^62.
SF_INLINE int64_t max_bf(int64_t v, int64_t lo) {
    int64_t d = sub64(v, lo);
    return add64(lo, d & ~(d >> 63));
}
SF_INLINE int64_t min_bf(int64_t v, int64_t hi) {
    int64_t d = sub64(v, hi);
    return add64(hi, d & (d >> 63));
}
SF_INLINE int64_t clamp_bf(int64_t v, int64_t lo, int64_t hi) { return min_bf(max_bf(v, lo), hi); }

SF_INLINE void output_body(
    const sf_output_v2 *p, const int64_t *acc, int32_t *out, size_t first, size_t last, int bias_first, int relu) {
    const int64_t *bias = p->bias, *clip = p->clip, *scale = p->scale, *shift = p->shift;
    const int64_t blo = p->buffer_lo, bhi = p->buffer_hi, plo = p->post_lo, phi = p->post_hi;
    const int64_t olo = p->out_lo, ohi = p->out_hi;
    const size_t f = (size_t)p->channels;
    for (size_t row = first; row < last; row++) {
        const int64_t *a = acc + row * f;
        int32_t *o = out + row * f;
        for (size_t q = 0; q < f; q++) {
            int64_t v = a[q];
            v = bias_first ? clamp_bf(add64(v, bias[q]), blo, bhi) : add64(clamp_bf(v, blo, bhi), bias[q]);
            if (relu) v = min_bf(max_bf(v, 0), clip[q]);
            int64_t s = sub64(0, shift[q]) & 63;
            int64_t half = (int64_t)((uint64_t)1 << s) >> 1;
            int64_t prod = clamp_bf(mul64(v, scale[q]), plo, phi);
            o[q] = (int32_t)clamp_bf(add64(prod, half) >> s, olo, ohi);
        }
    }
}

/// output_body in 32-bit arithmetic (no value overflows: narrow_stage_init accepted the stage and
/// the sums fit int32); `n` holds the variables narrowed to int32.
SF_INLINE void narrow_body(
    const narrow_stage *n, size_t f, const int64_t *acc, int32_t *out, size_t first, size_t last) {
    for (size_t row = first; row < last; row++) {
        const int64_t *a = acc + row * f;
        int32_t *o = out + row * f;
        for (size_t q = 0; q < f; q++) o[q] = narrow_value(n, (int32_t)a[q], q);
    }
}

// The flags are constants in each instance, so no loop carries their branches.
#define OUTPUT_INSTANCES(NAME, TARGET)                                                                      \
    TARGET static void NAME##_wide(                                                                         \
        const sf_output_v2 *p, const int64_t *acc, int32_t *out, size_t first, size_t last) {               \
        switch ((p->bias_first << 1) | p->relu) {                                                           \
        case 0: output_body(p, acc, out, first, last, 0, 0); break;                                         \
        case 1: output_body(p, acc, out, first, last, 0, 1); break;                                         \
        case 2: output_body(p, acc, out, first, last, 1, 0); break;                                         \
        default: output_body(p, acc, out, first, last, 1, 1); break;                                        \
        }                                                                                                   \
    }                                                                                                       \
    TARGET static void NAME##_narrow(                                                                       \
        const narrow_stage *n, size_t f, const int64_t *acc, int32_t *out, size_t first, size_t last) {     \
        narrow_body(n, f, acc, out, first, last);                                                           \
    }

OUTPUT_INSTANCES(output_portable, )
#if SF_X86
OUTPUT_INSTANCES(output_avx512, SF_TARGET_VNNI)
OUTPUT_INSTANCES(output_avx2, SF_TARGET_AVX2)
#endif

void sf_output_v2_rows_wide(const sf_output_v2 *p, const int64_t *acc, int32_t *out, size_t first, size_t last) {
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: output_avx512_wide(p, acc, out, first, last); return;
    case SF_PATH_AVX2: output_avx2_wide(p, acc, out, first, last); return;
    default: break;
    }
#endif
    output_portable_wide(p, acc, out, first, last);
}

void sf_output_rows_narrow(
    const narrow_stage *n, size_t channels, const int64_t *acc, int32_t *out, size_t first, size_t last) {
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: output_avx512_narrow(n, channels, acc, out, first, last); return;
    case SF_PATH_AVX2: output_avx2_narrow(n, channels, acc, out, first, last); return;
    default: break;
    }
#endif
    output_portable_narrow(n, channels, acc, out, first, last);
}

void sf_output_v2_rows(const sf_output_v2 *p, const int64_t *acc, int32_t *out, size_t first, size_t last) {
    // int64 sums from any accumulation: narrow only when their bound says they fit int32.
    narrow_stage n;
    if (p->sum_bound > 0 && p->sum_bound < ((int64_t)1 << 31) && narrow_stage_init(&n, p, p->channels)) {
        sf_output_rows_narrow(&n, (size_t)p->channels, acc, out, first, last);
        narrow_stage_free(&n);
        return;
    }
    sf_output_v2_rows_wide(p, acc, out, first, last);
}

// The stage of a globally pooled layer: the part before pooling on every position, the saturating
// sum over positions, the part after it once per channel. Channels inner, so each channel's sum
// runs in position order (the simulator's order) and the loop vectorises across channels.
SF_INLINE void global_body(
    const sf_output_v2 *p, const int64_t *restrict acc, size_t rows, int32_t *restrict out, int64_t *restrict sums,
    int bias_first, int relu) {
    const size_t f = (size_t)p->channels;
    const int64_t blo = p->buffer_lo, bhi = p->buffer_hi, plo = p->post_lo, phi = p->post_hi;
    const int64_t *restrict bias = p->bias, *restrict clip = p->clip;
    for (size_t q = 0; q < f; q++) sums[q] = 0;
    for (size_t row = 0; row < rows; row++) {
        const int64_t *restrict a = acc + row * f;
        for (size_t q = 0; q < f; q++) {
            int64_t v = a[q];
            v = bias_first ? clamp_bf(add64(v, bias[q]), blo, bhi) : add64(clamp_bf(v, blo, bhi), bias[q]);
            if (relu) v = min_bf(max_bf(v, 0), clip[q]);
            v = v < plo ? plo : v > phi ? phi : v;
            int64_t t = sums[q] + v;
            sums[q] = t < plo ? plo : t > phi ? phi : t;
        }
    }
    for (size_t q = 0; q < f; q++) {
        int64_t s = 0 - p->shift[q];
        int64_t prod = clamp_bf(mul64(sums[q], p->scale[q]), plo, phi);
        int64_t r = s == 0 ? prod : (prod + ((int64_t)1 << (s - 1))) >> s;
        out[q] = (int32_t)clamp_bf(r, p->out_lo, p->out_hi);
    }
}

#define GLOBAL_INSTANCE(NAME, TARGET)                                                                       \
    TARGET static void NAME(const sf_output_v2 *p, const int64_t *acc, size_t rows, int32_t *out, int64_t *sums) { \
        switch ((p->bias_first << 1) | p->relu) {                                                           \
        case 0: global_body(p, acc, rows, out, sums, 0, 0); break;                                          \
        case 1: global_body(p, acc, rows, out, sums, 0, 1); break;                                          \
        case 2: global_body(p, acc, rows, out, sums, 1, 0); break;                                          \
        default: global_body(p, acc, rows, out, sums, 1, 1); break;                                         \
        }                                                                                                   \
    }
GLOBAL_INSTANCE(global_portable, )
#if SF_X86
GLOBAL_INSTANCE(global_avx512, SF_TARGET_VNNI)
GLOBAL_INSTANCE(global_avx2, SF_TARGET_AVX2)
#endif

int sf_output_v2_global(const sf_output_v2 *p, const int64_t *acc, size_t rows, int32_t *out) {
    for (int q = 0; q < p->channels; q++)
        if (p->shift[q] > 0 || p->shift[q] < -62) return 0;
    int64_t *sums = malloc((size_t)(p->channels > 0 ? p->channels : 1) * sizeof(int64_t));
    if (!sums) return 0;
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: global_avx512(p, acc, rows, out, sums); break;
    case SF_PATH_AVX2: global_avx2(p, acc, rows, out, sums); break;
    default: global_portable(p, acc, rows, out, sums); break;
    }
#else
    global_portable(p, acc, rows, out, sums);
#endif
    free(sums);
    return 1;
}
