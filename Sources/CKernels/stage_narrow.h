// Whether a layer's Akida 2.0 output stage can run in 32-bit arithmetic and give the 64-bit
// definition's values exactly (output.c, stage_avx512.h): shared by every path.
#ifndef SPIKEFORGE_CKERNELS_STAGE_NARROW_H
#define SPIKEFORGE_CKERNELS_STAGE_NARROW_H

#include "CKernels.h"
#include "internal.h"

#include <stdlib.h>

static inline int32_t saturate32(int64_t v) {
    return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

static inline int64_t magnitude(int64_t v) { return v >= 0 ? v : v == INT64_MIN ? INT64_MAX : -v; }

/// 1 when the stage of every channel stays inside int32 for every sum (any int32, or up to the
/// stage's sum_bound): |sum| + |bias| (bias added before the saturation, which needs the bound) or
/// |saturated sum| + |bias|, times |scale|, plus the rounding half, stay below 2^31, and every
/// right shift is at most 30.
/// 1 when every saturation bound lies within ±2^62. The definition's branch-free clamps wrap for
/// bounds near ±2^63 (a 64-bit saturation is then not the identity); only output.c's 64-bit body
/// reproduces that, so the other bodies run only for ordinary bounds.
static inline int stage_bounds_ordinary(const sf_output_v2 *o) {
    const int64_t far = (int64_t)1 << 62;
    const int64_t b[6] = {o->buffer_lo, o->buffer_hi, o->post_lo, o->post_hi, o->out_lo, o->out_hi};
    for (int k = 0; k < 6; k++)
        if (b[k] < -far || b[k] > far) return 0;
    return 1;
}

static inline int stage_is_narrow(const sf_output_v2 *o) {
    const int64_t limit = (int64_t)1 << 31;
    if (!stage_bounds_ordinary(o)) return 0;
    int64_t lo = o->buffer_lo < -limit ? -limit : o->buffer_lo;
    int64_t hi = o->buffer_hi > limit - 1 ? limit - 1 : o->buffer_hi;
    int64_t buffer = -lo > hi ? -lo : hi;                     // |any saturated value|
    int64_t sums = o->sum_bound > 0 ? o->sum_bound : limit;    // |any sum|
    // A saturation whose bounds hold zero never raises a magnitude.
    int lowers = lo <= 0 && hi >= 0;
    for (int q = 0; q < o->channels; q++) {
        int64_t bias = magnitude(o->bias[q]), scale = magnitude(o->scale[q]);
        int64_t s = (0 - o->shift[q]) & 63;
        if (bias >= limit || scale >= limit || s > 30) return 0;
        int64_t v;
        if (o->bias_first) {
            if (sums + bias >= limit) return 0;
            v = lowers && sums + bias < buffer ? sums + bias : buffer;
        } else {
            v = (lowers && sums < buffer ? sums : buffer) + bias;
            if (v >= limit) return 0;
        }
        // After min(max(v, 0), clip): at most the clip, and exactly the clip when it is negative.
        if (o->relu) v = o->clip[q] < 0 ? magnitude(o->clip[q]) : o->clip[q] < v ? o->clip[q] : v;
        if (v >= limit) return 0;
        if (v * scale + ((int64_t)1 << s) >= limit) return 0;
    }
    return 1;
}

/// How a narrow stage runs: NARROW, plus each saturation that can change a value (one that cannot
/// is skipped: the buffer one when the sums, with a bias added first, stay inside it; the post-op
/// one when it spans int32, which a narrow product never leaves).
enum { STAGE_NARROW = 1, STAGE_CLAMP_BUFFER = 2, STAGE_CLAMP_POST = 4 };

/// 0 when the stage needs 64 bits (stage_is_narrow), else its STAGE_ flags.
static inline int stage_narrow_mode(const sf_output_v2 *o) {
    if (!stage_is_narrow(o)) return 0;
    int mode = STAGE_NARROW;
    int64_t bias = 0;  // the largest |bias| reaching the buffer saturation
    for (int q = 0; q < o->channels && o->bias_first; q++)
        bias = magnitude(o->bias[q]) > bias ? magnitude(o->bias[q]) : bias;
    int64_t seen = o->sum_bound + bias;  // narrow: no overflow
    if (o->sum_bound <= 0 || -seen < o->buffer_lo || seen > o->buffer_hi) mode |= STAGE_CLAMP_BUFFER;
    if (o->post_lo > INT32_MIN || o->post_hi < INT32_MAX) mode |= STAGE_CLAMP_POST;
    return mode;
}

/// A narrow stage's variables as int32 arrays of `padded` channels (zero past the layer's), and its
/// bounds saturated to int32: the operands of the 32-bit stage in registers.
typedef struct {
    int32_t *bias, *clip, *scale, *shift, *half;  // shift: the right shift s; half: 2^s >> 1
    int32_t buffer_lo, buffer_hi, post_lo, post_hi, out_lo, out_hi;
    int bias_first, relu;
    int mode;  // stage_narrow_mode
} narrow_stage;

/// Fills `n` (freed by narrow_stage_free) when the stage runs in 32 bits on int32 sums; 0, leaving
/// nothing to free, when it needs 64 bits (stage_narrow_mode) or memory runs out. Done once per
/// kernel call, before its loops.
static inline int narrow_stage_init(narrow_stage *n, const sf_output_v2 *o, int padded) {
    int mode = stage_narrow_mode(o);
    if (!mode) return 0;
    int32_t *all = calloc((size_t)padded * 5, sizeof(int32_t));
    if (!all) return 0;
    n->bias = all;
    n->clip = all + padded;
    n->scale = all + 2 * padded;
    n->shift = all + 3 * padded;
    n->half = all + 4 * padded;
    for (int q = 0; q < o->channels; q++) {
        n->bias[q] = (int32_t)o->bias[q];
        n->clip[q] = saturate32(o->clip[q]);
        n->scale[q] = (int32_t)o->scale[q];
        n->shift[q] = (int32_t)((0 - o->shift[q]) & 63);
        n->half[q] = (1 << n->shift[q]) >> 1;
    }
    n->buffer_lo = saturate32(o->buffer_lo);
    n->buffer_hi = saturate32(o->buffer_hi);
    n->post_lo = saturate32(o->post_lo);
    n->post_hi = saturate32(o->post_hi);
    n->out_lo = saturate32(o->out_lo);
    n->out_hi = saturate32(o->out_hi);
    n->bias_first = o->bias_first;
    n->relu = o->relu;
    n->mode = mode;
    return 1;
}

static inline void narrow_stage_free(narrow_stage *n) { free(n->bias); }

static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/// The 32-bit stage of one exact sum v of channel q (a plain loop over channels vectorises).
static inline __attribute__((always_inline)) int32_t narrow_value(const narrow_stage *n, int32_t v, size_t q) {
    if (n->bias_first) v += n->bias[q];
    if (n->mode & STAGE_CLAMP_BUFFER) v = clamp32(v, n->buffer_lo, n->buffer_hi);
    if (!n->bias_first) v += n->bias[q];
    if (n->relu) {
        v = v < 0 ? 0 : v;
        v = v < n->clip[q] ? v : n->clip[q];
    }
    int32_t prod = v * n->scale[q];
    if (n->mode & STAGE_CLAMP_POST) prod = clamp32(prod, n->post_lo, n->post_hi);
    return clamp32((prod + n->half[q]) >> n->shift[q], n->out_lo, n->out_hi);
}

/// sf_output_v2_rows in 64-bit arithmetic (output.c).
void sf_output_v2_rows_wide(const sf_output_v2 *p, const int64_t *acc, int32_t *out, size_t first, size_t last);
/// sf_output_v2_rows through a prepared narrow stage of `channels` channels; the sums must fit int32.
void sf_output_rows_narrow(
    const narrow_stage *n, size_t channels, const int64_t *acc, int32_t *out, size_t first, size_t last);

#endif
