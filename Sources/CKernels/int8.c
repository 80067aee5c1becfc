// u8 × s8 convolution / dense with 32-bit accumulation: weight packing, the portable kernel and the
// path dispatch (the VNNI and AVX2 kernels are in int8_vnni.c and int8_avx2.c), and the int32
// depthwise loop (with the output stage when it fits 32 bits). Sums wrap modulo 2^32, so every path
// gives the exact sum whenever it fits int32 (the caller checks that bound).
#include "packed.h"
#include "stage_narrow.h"

#include <stdlib.h>

sf_packed_i8 *sf_pack_i8(
    const int32_t *w, int segments, int length, int outputs, const int32_t *row_shifts, int shift_count) {
    if (segments <= 0 || length <= 0 || outputs <= 0) return NULL;
    sf_packed_i8 *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->segments = segments;
    p->length = length;
    p->outputs = outputs;
    p->groups = (length + 3) / 4;
    p->blocks = (outputs + 15) / 16;
    p->copies = 1;
    for (int r = 0; r < shift_count; r++) {
        int k = 0;
        while (k < p->copies && p->shifts[k] != row_shifts[r]) k++;
        if (k < p->copies) continue;
        if (r == 0) {
            p->shifts[0] = row_shifts[0];
            continue;
        }
        if (p->copies == 8 || row_shifts[r] < 0 || row_shifts[r] > 31) {
            sf_free_i8(p);
            return NULL;
        }
        p->shifts[p->copies++] = row_shifts[r];
    }
    if (shift_count > 0 && (row_shifts[0] < 0 || row_shifts[0] > 31)) {
        sf_free_i8(p);
        return NULL;
    }
    size_t copy_bytes = (size_t)p->blocks * segments * p->groups * 64, rows = (size_t)segments * length;
    size_t bytes = copy_bytes * p->copies;
    p->data = aligned_alloc(64, (bytes + 63) / 64 * 64);
    p->sums = calloc((size_t)p->copies * p->blocks * 16, sizeof(int32_t));
    p->shifted_sums = calloc((size_t)p->blocks * 16, sizeof(int32_t));
    p->plain = calloc(rows * outputs * p->copies, 1);
    p->row_copy = calloc(rows, 1);
    if (!p->data || !p->sums || !p->shifted_sums || !p->plain || !p->row_copy) {
        sf_free_i8(p);
        return NULL;
    }
    memset(p->data, 0, bytes);
    for (size_t r = 0; r < rows; r++) {
        int k = 0;
        while (shift_count > 0 && p->shifts[k] != row_shifts[r % shift_count]) k++;
        p->row_copy[r] = (uint8_t)k;
        int s = (int)(r / length), t = (int)(r % length);
        for (int f = 0; f < outputs; f++) {
            int32_t v = w[r * outputs + f];
            v = v < -128 ? -128 : v > 127 ? 127 : v;
            size_t at = (size_t)(block_weights(p, k, f / 16) - p->data)
                        + ((size_t)s * p->groups + t / 4) * panel_blocks(p, f / 16) * 64 + (f % 16) * 4 + t % 4;
            p->data[at] = (int8_t)v;
            p->plain[(k * rows + r) * outputs + f] = (int8_t)v;
            p->sums[k * p->blocks * 16 + f] += v;
            if (abs(v) > p->max_abs) p->max_abs = abs(v);
        }
    }
    for (int k = 0; k < p->copies; k++) {
        p->order[k] = (uint8_t)k;
        for (int f = 0; f < outputs; f++) {
            uint32_t copy_sum = (uint32_t)p->sums[k * p->blocks * 16 + f] << p->shifts[k];
            p->shifted_sums[f] = (int32_t)((uint32_t)p->shifted_sums[f] + copy_sum);
        }
    }
    // Insertion sort by decreasing shift (at most 8 copies).
    for (int i = 1; i < p->copies; i++)
        for (int j = i; j > 0 && p->shifts[p->order[j]] > p->shifts[p->order[j - 1]]; j--) {
            uint8_t t = p->order[j];
            p->order[j] = p->order[j - 1];
            p->order[j - 1] = t;
        }
    return p;
}

void sf_free_i8(sf_packed_i8 *p) {
    if (!p) return;
    free(p->data);
    free(p->sums);
    free(p->shifted_sums);
    free(p->plain);
    free(p->row_copy);
    free(p);
}

// MARK: portable

// Portable: per pixel, each non-zero input adds its weight row to 64 accumulators at a time;
// u8 × s8 products fit int16, which baseline SIMD multiplies (split inputs use 32-bit products).
static void conv_portable(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t st0, ptrdiff_t st1, ptrdiff_t seg,
    int out1, int first, int last, int offset, int64_t *out) {
    enum { CHUNK = 64 };
    int outputs = p->outputs, length = p->length;
    size_t rows = (size_t)p->segments * length;
    for (int pix = first; pix < last; pix++) {
        ptrdiff_t base = pixel_base(x, pix, out1, st0, st1) - x;
        for (int k = 0; k < p->copies; k++) {
            for (int f0 = 0; f0 < outputs; f0 += CHUNK) {
                int n = outputs - f0 < CHUNK ? outputs - f0 : CHUNK;
                uint32_t acc[CHUNK] = {0};
                for (int s = 0; s < p->segments; s++) {
                    const uint8_t *xs = x + base + s * seg;
                    const int8_t *rows_s = p->plain + (k * rows + (size_t)s * length) * outputs + f0;
                    const uint8_t *copy_of = p->row_copy + (size_t)s * length;
                    for (int t = 0; t < length; t++) {
                        if (copy_of[t] != k) continue;  // a row of another shift: zero weights here
                        const int8_t *w = rows_s + (size_t)t * outputs;
                        if (high) {
                            uint32_t v = xs[t] + ((uint32_t)high[xs - x + t] << 7);
                            for (int l = 0; l < n; l++) acc[l] += v * (uint32_t)(int32_t)w[l];
                            continue;
                        }
                        int16_t v = xs[t];
                        if (v == 0) continue;  // activations are sparse
                        for (int l = 0; l < n; l++) acc[l] += (uint32_t)((int32_t)v * (int16_t)w[l]);
                    }
                }
                store_lanes(p, acc, k, f0, n, pix, offset, out);
            }
        }
    }
}

int sf_prepare_i8(const sf_packed_i8 *p, uint8_t *x, uint8_t *high, size_t count, int max_input) {
    if (sf_active_path() != SF_PATH_AVX2 || 2 * max_input * p->max_abs <= 32767) return 0;
    for (size_t i = 0; i < count; i++) {
        high[i] = x[i] >> 7;
        x[i] &= 127;
    }
    return 1;
}

void sf_conv_i8(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t stride0, ptrdiff_t stride1,
    ptrdiff_t seg_stride, int out1, int first, int last, int offset, int64_t *out) {
#if SF_X86
    int path = sf_active_path();
    // A split input is the AVX2 kernels' form (every x86 path above portable runs them).
    if (path == SF_PATH_AVX2 || (path == SF_PATH_VNNI && high)) {
        sf_conv_avx2(p, x, high, stride0, stride1, seg_stride, out1, first, last, offset, out, NULL, NULL);
        return;
    }
    if (path == SF_PATH_VNNI) {
        sf_conv_vnni(p, x, stride0, stride1, seg_stride, out1, first, last, offset, out, NULL, NULL);
        return;
    }
#endif
    conv_portable(p, x, high, stride0, stride1, seg_stride, out1, first, last, offset, out);
}

void sf_conv_i8_output(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t stride0, ptrdiff_t stride1,
    ptrdiff_t seg_stride, int out1, int first, int last, int offset, int64_t *acc, const sf_output_v2 *post,
    int32_t *out) {
#if SF_X86
    if (sf_active_path() == SF_PATH_VNNI && !high && stage_bounds_ordinary(post)) {
        sf_conv_vnni(p, x, stride0, stride1, seg_stride, out1, first, last, offset, NULL, post, out);
        return;
    }
#endif
    // The sums fit int32 (the caller's precision check), so only the stage's own values decide
    // whether it runs in 32 bits; its narrowed variables are prepared once for the whole call.
    narrow_stage ns;
    int narrow = narrow_stage_init(&ns, post, p->blocks * 16);
#if SF_X86
    // The AVX2 kernel applies the 32-bit stage in registers to a single weight copy's sums.
    if (narrow && (sf_active_path() == SF_PATH_AVX2 || high) && p->copies == 1) {
        sf_conv_avx2(p, x, high, stride0, stride1, seg_stride, out1, first, last, offset, NULL, &ns, out);
        narrow_stage_free(&ns);
        return;
    }
#endif
    // About 32 KiB of 64-bit sums per chunk, a multiple of the AVX2 kernel's 4-pixel tiles.
    int chunk = (4096 / p->outputs) & ~3;
    if (chunk < 4) chunk = 4;
    for (int start = first; start < last; start += chunk) {
        int end = last - start < chunk ? last : start + chunk;
        sf_conv_i8(p, x, high, stride0, stride1, seg_stride, out1, start, end, offset, acc);
        if (narrow)
            sf_output_rows_narrow(&ns, (size_t)p->outputs, acc, out, (size_t)start, (size_t)end);
        else
            sf_output_v2_rows_wide(post, acc, out, (size_t)start, (size_t)end);
    }
    if (narrow) narrow_stage_free(&ns);
}

// MARK: depthwise: one loop body, compiled for each path's vector width. Taps outside the input
// read the per-channel pad values (or add nothing when they are zero), so no padded copy is made.

SF_INLINE void depthwise_body(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w,
    int64_t *out, int first, int last, int out1, int k0, int k1, int s0, int s1, int c, const narrow_stage *ns,
    int32_t *out32) {
    enum { CHUNK = 64 };
    for (int o0 = first; o0 < last; o0++) {
        for (int o1 = 0; o1 < out1; o1++) {
            int64_t *o = out + ((size_t)o0 * out1 + o1) * c;
            for (int c0 = 0; c0 < c; c0 += CHUNK) {
                int n = c - c0 < CHUNK ? c - c0 : CHUNK;
                uint32_t acc[CHUNK] = {0};
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
                        for (int ch = 0; ch < n; ch++) acc[ch] += (uint32_t)xp[ch] * (uint32_t)wp[ch];
                    }
                }
                if (ns) {
                    int32_t *o32 = out32 + ((size_t)o0 * out1 + o1) * c + c0;
                    for (int ch = 0; ch < n; ch++) o32[ch] = narrow_value(ns, (int32_t)acc[ch], (size_t)(c0 + ch));
                } else {
                    for (int ch = 0; ch < n; ch++) o[c0 + ch] = (int32_t)acc[ch];
                }
            }
        }
    }
}

#define DEPTHWISE_ARGS                                                                                        \
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w,        \
        int64_t *out, int first, int last, int out1, int k0, int k1, int s0, int s1, int c, const narrow_stage *ns, \
        int32_t *out32
#define DEPTHWISE_CALL x, d0, d1, pad0, pad1, pad_values, w, out, first, last, out1, k0, k1, s0, s1, c, ns, out32

#if SF_X86
SF_TARGET_VNNI static void depthwise_avx512(DEPTHWISE_ARGS) { depthwise_body(DEPTHWISE_CALL); }
SF_TARGET_AVX2 static void depthwise_avx2(DEPTHWISE_ARGS) { depthwise_body(DEPTHWISE_CALL); }
#endif

static void depthwise(DEPTHWISE_ARGS) {
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: depthwise_avx512(DEPTHWISE_CALL); return;
    case SF_PATH_AVX2: depthwise_avx2(DEPTHWISE_CALL); return;
    default: break;
    }
#endif
    depthwise_body(DEPTHWISE_CALL);
}

void sf_depthwise_i32(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int64_t *out,
    int first, int last, int out1, int k0, int k1, int s0, int s1, int c) {
    depthwise(x, d0, d1, pad0, pad1, pad_values, w, out, first, last, out1, k0, k1, s0, s1, c, NULL, NULL);
}

void sf_depthwise_i32_output(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int64_t *acc,
    int first, int last, int out1, int k0, int k1, int s0, int s1, int c, const sf_output_v2 *post, int32_t *out) {
#if SF_X86
    if (sf_active_path() == SF_PATH_VNNI && stage_bounds_ordinary(post)) {
        sf_depthwise_avx512_output(
            x, d0, d1, pad0, pad1, pad_values, w, first, last, out1, k0, k1, s0, s1, c, post, out);
        return;
    }
#endif
    // The sums fit int32 (the caller's precision check): a narrow stage runs on them as they are made.
    narrow_stage ns;
    if (narrow_stage_init(&ns, post, c)) {
        depthwise(x, d0, d1, pad0, pad1, pad_values, w, acc, first, last, out1, k0, k1, s0, s1, c, &ns, out);
        narrow_stage_free(&ns);
        return;
    }
    depthwise(x, d0, d1, pad0, pad1, pad_values, w, acc, first, last, out1, k0, k1, s0, s1, c, NULL, NULL);
    sf_output_v2_rows_wide(post, acc, out, (size_t)first * out1, (size_t)last * out1);
}
