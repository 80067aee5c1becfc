// Shared by the u8 × s8 convolution sources: where packed weights live and how a copy's sums are
// written out (the int64 form the simulator's Swift stages read).
#ifndef SPIKEFORGE_CKERNELS_PACKED_H
#define SPIKEFORGE_CKERNELS_PACKED_H

#include "CKernels.h"
#include "internal.h"
#include "stage_narrow.h"

#include <string.h>

enum { SF_PANEL_BLOCKS = 4 };

SF_INLINE uint32_t load4(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/// Blocks in the panel holding block b.
SF_INLINE int panel_blocks(const sf_packed_i8 *p, int b) {
    int first = b / SF_PANEL_BLOCKS * SF_PANEL_BLOCKS;
    return p->blocks - first < SF_PANEL_BLOCKS ? p->blocks - first : SF_PANEL_BLOCKS;
}

/// The first packed weights of copy k, block b; the next 4 inputs' weights are
/// panel_blocks(p, b) · 64 bytes further.
SF_INLINE const int8_t *block_weights(const sf_packed_i8 *p, int k, int b) {
    size_t per_block = (size_t)p->segments * p->groups * 64;
    int first = b / SF_PANEL_BLOCKS * SF_PANEL_BLOCKS;
    return p->data + (size_t)k * p->blocks * per_block + (size_t)first * per_block + (size_t)(b - first) * 64;
}

SF_INLINE const uint8_t *pixel_base(const uint8_t *x, int pix, int out1, ptrdiff_t st0, ptrdiff_t st1) {
    return x + (ptrdiff_t)(pix / out1) * st0 + (ptrdiff_t)(pix % out1) * st1;
}

/// Writes (copy 0) or adds (later copies) the `n` lanes of outputs f0..<f0 + n of weight copy `k`
/// for pixel `pix`: the offset removed, shifted by the copy's input shift.
SF_INLINE void store_lanes(
    const sf_packed_i8 *p, const uint32_t *lanes, int k, int f0, int n, int pix, int offset, int64_t *out) {
    int shift = p->shifts[k];
    const int32_t *sums = p->sums + (size_t)k * p->blocks * 16 + f0;
    int64_t *o = out + (size_t)pix * p->outputs + f0;
    for (int l = 0; l < n; l++) {
        int64_t v = (int64_t)(int32_t)(lanes[l] - (uint32_t)offset * (uint32_t)sums[l]) * ((int64_t)1 << shift);
        o[l] = k == 0 ? v : o[l] + v;
    }
}

/// store_lanes for the 16 lanes of output block `block`.
SF_INLINE void store_block(
    const sf_packed_i8 *p, const uint32_t *lanes, int k, int block, int pix, int offset, int64_t *out) {
    int f0 = block * 16;
    store_lanes(p, lanes, k, f0, p->outputs - f0 < 16 ? p->outputs - f0 : 16, pix, offset, out);
}

#if SF_X86
/// The VNNI convolution (int8_vnni.c): int64 sums into `out` (post NULL) or, with `post`, the output
/// stage applied in registers and int32 values into `out32`.
void sf_conv_vnni(
    const sf_packed_i8 *p, const uint8_t *x, ptrdiff_t st0, ptrdiff_t st1, ptrdiff_t seg, int out1, int first,
    int last, int offset, int64_t *out, const sf_output_v2 *post, int32_t *out32);
/// The AVX2 convolution (int8_avx2.c): int64 sums per weight copy into `out` (ns NULL) or, with a
/// single copy and a narrow stage `ns`, the stage applied in registers and int32 values into `out32`.
void sf_conv_avx2(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t st0, ptrdiff_t st1, ptrdiff_t seg,
    int out1, int first, int pixels, int offset, int64_t *out, const narrow_stage *ns, int32_t *out32);
/// sf_depthwise_i32_output on the AVX-512 path (depthwise_avx512.c).
void sf_depthwise_avx512_output(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int first,
    int last, int out1, int k0, int k1, int s0, int s1, int c, const sf_output_v2 *post, int32_t *out);
#endif

#endif
