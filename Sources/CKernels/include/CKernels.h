// CKernels: the integer and float inner loops of SpikeForge, chosen at run time by CPUID
// (AVX-512 VNNI, AVX2 + FMA, or portable C). Every path gives identical results: integer sums are
// exact (wrapping 32-bit arithmetic whose true result fits 32 bits), float sums are fused
// multiply-adds in the caller's order.
#ifndef SPIKEFORGE_CKERNELS_H
#define SPIKEFORGE_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Kernel paths, fastest first.
enum { SF_PATH_VNNI = 0, SF_PATH_AVX2 = 1, SF_PATH_PORTABLE = 2 };

/// Paths this CPU (and OS) can run, as a bit set of (1 << path); portable is always set.
int sf_supported_paths(void);
/// The path kernels use now: set at start-up from CPUID, or SPIKEFORGE_KERNELS (vnni, avx2,
/// portable) when it names a supported path.
int sf_active_path(void);
/// Switches the active path (tests and benchmarks); returns 0 when the CPU cannot run it.
int sf_set_active_path(int path);

// MARK: int8 convolution / dense

/// Weights packed for the u8 × s8 kernels: `segments` rows of `length` contiguous inputs
/// feeding `outputs` accumulators. Outputs come in blocks of 16 and blocks in panels of up to 4
/// (64 outputs); a panel holds, for each 4 consecutive inputs in row order, its blocks' 16 × 4
/// weights side by side, so one step of the VNNI kernel reads one contiguous run. Inputs with a left
/// shift s (Akida's input_shift: (x << s) · w) are kept apart, one weight copy per distinct shift
/// with the other inputs' weights zero, and each copy's sums are shifted.
typedef struct {
    int segments, length, outputs;
    int groups;       // (length + 3) / 4
    int blocks;       // (outputs + 15) / 16
    int max_abs;      // largest |w|
    int copies;       // distinct input shifts (1 without shifts)
    int shifts[8];    // the shift of each copy
    uint8_t order[8]; // the copies by decreasing shift (the VNNI kernel shifts its sums between them)
    int8_t *data;     // copies × panels × segments × groups × (blocks in the panel) × 16 × 4
    int8_t *plain;    // copies × segments × length × outputs (the portable kernel's rows)
    int32_t *sums;    // copies × blocks × 16: Σ w per output (the correction of the +128 input offset)
    int32_t *shifted_sums;  // blocks × 16: Σ over copies of (Σ w) << shift, modulo 2^32
    uint8_t *row_copy;  // segments × length: the copy holding each input row's weights
} sf_packed_i8;

/// Packs `w` (segments × length × outputs, int8 values held as int32) once; input row r (of
/// segments × length) is shifted left by row_shifts[r % shift_count] (shift_count 0: no shifts).
/// NULL when more than 8 distinct shifts or on failure.
sf_packed_i8 *sf_pack_i8(
    const int32_t *w, int segments, int length, int outputs, const int32_t *row_shifts, int shift_count);
void sf_free_i8(sf_packed_i8 *p);

/// Prepares the `count` input bytes `x` (value + offset, at most `max_input`) for `sf_conv_i8` on
/// the active path; returns 1 when it split them into low 7 bits (in `x`) and bit 7 (in `high`):
/// AVX2's `vpmaddubsw` sums two products into int16 and would saturate when
/// 2 · max_input · max|w| > 32767. Pass `high` to `sf_conv_i8` then, NULL otherwise.
int sf_prepare_i8(const sf_packed_i8 *p, uint8_t *x, uint8_t *high, size_t count, int max_input);

/// out[p · outputs + f] = Σ_s Σ_t (x[base(p) + s · seg_stride + t] − offset) · w[s, t, f] · 2^shift(s, t)
/// for the pixels p in first..<last of a grid `out1` wide, base = p0 · stride0 + p1 · stride1, over the
/// bytes prepared by `sf_prepare_i8`, with 4 readable bytes of slack after them (in `high` too).
/// The true sums must fit int32. Disjoint pixel ranges may run concurrently.
void sf_conv_i8(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t stride0, ptrdiff_t stride1,
    ptrdiff_t seg_stride, int out1, int first, int last, int offset, int64_t *out);

/// The smallest and largest of the `n` values `x` (0, 0 when n is 0).
void sf_range_i32(const int32_t *x, size_t n, int32_t *lo, int32_t *hi);

/// out[(r · p1 + q) · c + ch] = (uint8)(x[((r − pad0) · d1 + q − pad1) · c + ch] + offset) inside the
/// d0 × d1 × c input, else (uint8)(pad_values[ch] + offset) (0 + offset when pad_values is NULL),
/// over the p0 × p1 padded grid.
void sf_bytes_padded(
    const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values,
    int32_t offset, uint8_t *out);
/// sf_bytes_padded's grid as int32 values, without offset.
void sf_padded_i32(
    const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values,
    int32_t *out);

// MARK: int32 depthwise

/// out[(o0 · out1 + o1) · c + ch] =
///     Σ_{i,j} v(o0·s0 + i − pad0, o1·s1 + j − pad1, ch) · w[(i·k1 + j) · c + ch]
/// where v(r, q, ch) = x[(r · d1 + q) · c + ch] inside the d0 × d1 × c input, else pad_values[ch] (0 when
/// pad_values is NULL), for the output rows o0 in first..<last, in wrapping 32-bit arithmetic (exact when
/// the true sums fit int32). Disjoint row ranges may run concurrently.
void sf_depthwise_i32(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w,
    int64_t *out, int first, int last, int out1, int k0, int k1, int s0, int s1, int c);

// MARK: Akida 2.0 output stage

/// Per-channel variables and bounds of the Akida 2.0 output stage of an unpooled layer whose output
/// shifts are all ≤ 0 (right shifts rounding half up).
typedef struct {
    const int64_t *bias, *clip, *scale, *shift;  // `channels` each
    int channels;
    int bias_first;  // bias added before the buffer saturation (InputConv2D)
    int relu;        // ReLU clipped at `clip`
    int64_t buffer_lo, buffer_hi, post_lo, post_hi, out_lo, out_hi;
    int64_t sum_bound;  // every sum's magnitude is at most this (0: unknown); lets kernels prove 32 bits enough
} sf_output_v2;

/// out[r · channels + q] = the output stage of acc[r · channels + q] for the rows (positions) r in
/// first..<last. Disjoint row ranges may run concurrently.
void sf_output_v2_rows(const sf_output_v2 *p, const int64_t *acc, int32_t *out, size_t first, size_t last);

/// The output stage of a layer with global pooling over the `rows` positions of `acc` (the
/// simulator's order: bias, saturation and ReLU per position; each value saturated to the post-op
/// bounds and added to its channel's running sum, saturated again; then scale, post-op saturation,
/// rounding right shift and output saturation): out[q] for each channel. Returns 0, writing
/// nothing, when a shift is not a right shift of 0…62 or memory runs out.
int sf_output_v2_global(const sf_output_v2 *p, const int64_t *acc, size_t rows, int32_t *out);

/// sf_conv_i8 followed by the Akida 2.0 output stage `post` (its `channels` = p->outputs): writes
/// out[pix · outputs + f] for the pixels in first..<last. The VNNI kernel, and the AVX2 one for a
/// single weight copy and a stage that fits 32 bits, apply the stage to the sums in registers;
/// otherwise chunks of pixels are accumulated in `acc` (indexed like sf_conv_i8's `out`) and go
/// through sf_output_v2_rows while they are in cache. Disjoint pixel ranges may run concurrently.
void sf_conv_i8_output(
    const sf_packed_i8 *p, const uint8_t *x, const uint8_t *high, ptrdiff_t stride0, ptrdiff_t stride1,
    ptrdiff_t seg_stride, int out1, int first, int last, int offset, int64_t *acc, const sf_output_v2 *post,
    int32_t *out);

/// sf_depthwise_i32 followed by the output stage `post` (its `channels` = c): writes
/// out[(o0 · out1 + o1) · c + ch] for the output rows o0 in first..<last. The AVX-512 path applies the
/// stage in registers; the others fill the same rows of `acc` (indexed like sf_depthwise_i32's `out`)
/// first. Disjoint row ranges may run concurrently.
void sf_depthwise_i32_output(
    const int32_t *x, int d0, int d1, int pad0, int pad1, const int32_t *pad_values, const int32_t *w, int64_t *acc,
    int first, int last, int out1, int k0, int k1, int s0, int s1, int c, const sf_output_v2 *post, int32_t *out);

// MARK: float (TensorFlow's summation order)

/// c[r, j] = bias[j] + Σ_i a[r, i] · b[i, j], fused multiply-adds in order of i from zero, the bias
/// added last; `a` has row stride `lda`, `b` is k × n, `c` rows × n (both contiguous).
void sf_gemm_f32(
    const float *a, ptrdiff_t lda, const float *b, float *c, int rows, int k, int n, const float *bias);

/// One output row of a depthwise convolution (multiplier 1) over an NHWC image `x` (h × w × c of
/// the batch element): out[ox · c + ch] = bias[ch] + Σ taps inside the image, fused, row-major taps.
void sf_depthwise_row_f32(
    const float *x, const float *k, const float *bias, float *o, int h, int w, int c, int kh, int kw, int y0,
    int stride_x, int pad_left, int ow);

#endif
