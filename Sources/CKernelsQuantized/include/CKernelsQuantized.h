// CKernelsQuantized: the elementwise and staging loops of the quantized-Keras engine (QuantizeML
// semantics), on the kernel path CKernels selected (sf_active_path). Payloads are integers held in
// float32; every step is the same float32 operation on every path, so results are bit-identical.
#ifndef SPIKEFORGE_CKERNELS_QUANTIZED_H
#define SPIKEFORGE_CKERNELS_QUANTIZED_H

#include <stddef.h>
#include <stdint.h>

/// In place over `rows` rows of `c` channels, with per-channel parameters (arrays of `c`):
///   v = x; v = v · mul[ch] (mul non-NULL); v = v + add[ch] (add non-NULL);
///   v = floor(v + 0.5) (round_half_up); x = min(max(v, lo[ch]), hi[ch]),
/// each step one float32 operation (never fused), max/min with Swift's `max`/`min` semantics
/// (ties pick the bound for max and the value for min; NaN passes through).
void sf_q_affine_f32(
    float *x, size_t rows, int c, const float *mul, const float *add, int round_half_up, const float *lo,
    const float *hi);

/// Smallest and largest of the `n` values `x` (0, 0 when n is 0); returns 1 when every value is an
/// integer (finite, no fraction), else 0.
int sf_q_range_f32(const float *x, size_t n, float *lo, float *hi);

/// out[(r · p1 + q) · c + ch] = (uint8)(x[((r − pad0) · d1 + q − pad1) · c + ch] + offset) inside the
/// d0 × d1 × c input, else (uint8)(pad_values[ch] + offset) (offset alone when pad_values is NULL),
/// over the p0 × p1 padded grid; the values are integers with value + offset in 0...255.
void sf_q_bytes_padded_f32(
    const float *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const float *pad_values, int offset,
    uint8_t *out);

/// out[i] = (int32)x[i]: integer payloads that fit int32.
void sf_q_f32_to_i32(const float *x, size_t n, int32_t *out);

/// out[i] = (float)x[i], rounded to nearest even: sums that fit int32.
void sf_q_i64_to_f32(const int64_t *x, size_t n, float *out);

/// out[p · k + j] = x[p · c + channels[j]] for the `pixels` rows of `c` values of x.
void sf_q_gather_f32(const float *x, size_t pixels, int c, const int32_t *channels, int k, float *out);

/// out[i] += x[i] << shift (0 ≤ shift < 32; sums that fit int32 after the shift).
void sf_q_add_shifted_i64(int64_t *out, const int64_t *x, size_t n, int shift);

/// Transposed convolution sums in exact 64-bit arithmetic: for every input pixel (b, iy, ix) and tap
/// (ky, kx) whose output pixel (oy, ox) = (iy · sy + ky − pad_y, ix · sx + kx − pad_x) lies inside the
/// oh × ow output, out[b, oy, ox, fo] += x[b, iy, ix, ci] · k[ky, kx, ci, fo] over ci (k is
/// kh × kw × c × f); `depthwise` (f = c): out[b, oy, ox, ci] += x[b, iy, ix, ci] · k[ky, kx, ci].
/// `out` (n × oh × ow × f) starts at zero.
void sf_q_transpose_i64(
    const int32_t *x, int n, int h, int w, int c, const int32_t *k, int f, int kh, int kw, int sy, int sx, int oh,
    int ow, int pad_y, int pad_x, int depthwise, int64_t *out);

#endif
