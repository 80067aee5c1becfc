// Float kernels that must sum exactly as TensorFlow's CPU kernels do: per output, fused
// multiply-adds in reduction order from zero, the bias added last. The AVX2 path keeps a
// 4 × 8 tile in registers; the portable path calls fmaf (correctly rounded, so the same bits).
#include "CKernels.h"
#include "internal.h"

#include <math.h>

// MARK: portable

SF_INLINE void gemm_scalar(
    const float *a, ptrdiff_t lda, const float *b, float *c, int rows, int k, int n, int col0, const float *bias) {
    for (int r = 0; r < rows; r++) {
        const float *x = a + r * lda;
        for (int col = col0; col < n; col++) {
            float sum = 0;
            for (int i = 0; i < k; i++) sum = fmaf(x[i], b[(size_t)i * n + col], sum);
            c[(size_t)r * n + col] = sum + (bias ? bias[col] : 0.0f);
        }
    }
}

SF_INLINE void depthwise_scalar(
    const float *x, const float *k, const float *bias, float *o, int w, int c, int kw, int y0, int ky0, int ky1,
    int x0, int kx0, int kx1, int j0) {
    for (int j = j0; j < c; j++) {
        float sum = 0;
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++)
                sum = fmaf(x[((size_t)(y0 + ky) * w + x0 + kx) * c + j], k[(size_t)(ky * kw + kx) * c + j], sum);
        o[j] = sum + (bias ? bias[j] : 0.0f);
    }
}

SF_INLINE void tap_range(int first, int count, int limit, int *lo, int *hi) {
    *lo = first > 0 ? first : 0;
    *hi = count < limit ? count : limit;
    if (*hi < *lo) *hi = *lo;
}

#if SF_X86

// MARK: AVX2 + FMA

SF_TARGET_AVX2 static void gemm_avx2(
    const float *a, ptrdiff_t lda, const float *b, float *c, int rows, int k, int n, const float *bias) {
    for (int r = 0; r < rows; r += 4) {
        int height = rows - r < 4 ? rows - r : 4;
        const float *a0 = a + r * lda;
        // Rows past `height` read row 0 again and are never stored.
        const float *a1 = height > 1 ? a0 + lda : a0, *a2 = height > 2 ? a0 + 2 * lda : a0;
        const float *a3 = height > 3 ? a0 + 3 * lda : a0;
        float *cr = c + (size_t)r * n;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
            const float *bp = b + j;
            for (int i = 0; i < k; i++, bp += n) {
                __m256 row = _mm256_loadu_ps(bp);
                c0 = _mm256_fmadd_ps(_mm256_set1_ps(a0[i]), row, c0);
                c1 = _mm256_fmadd_ps(_mm256_set1_ps(a1[i]), row, c1);
                c2 = _mm256_fmadd_ps(_mm256_set1_ps(a2[i]), row, c2);
                c3 = _mm256_fmadd_ps(_mm256_set1_ps(a3[i]), row, c3);
            }
            if (bias) {
                __m256 bv = _mm256_loadu_ps(bias + j);
                c0 = _mm256_add_ps(c0, bv);
                c1 = _mm256_add_ps(c1, bv);
                c2 = _mm256_add_ps(c2, bv);
                c3 = _mm256_add_ps(c3, bv);
            }
            _mm256_storeu_ps(cr + j, c0);
            if (height > 1) _mm256_storeu_ps(cr + n + j, c1);
            if (height > 2) _mm256_storeu_ps(cr + 2 * n + j, c2);
            if (height > 3) _mm256_storeu_ps(cr + 3 * n + j, c3);
        }
        if (j < n) gemm_scalar(a0, lda, b, cr, height, k, n, j, bias);
    }
}

SF_TARGET_AVX2 static void depthwise_row_avx2(
    const float *x, const float *k, const float *bias, float *o, int h, int w, int c, int kh, int kw, int y0,
    int stride_x, int pad_left, int ow) {
    int ky0, ky1;
    tap_range(-y0, kh, h - y0, &ky0, &ky1);
    for (int ox = 0; ox < ow; ox++) {
        int x0 = ox * stride_x - pad_left, kx0, kx1;
        tap_range(-x0, kw, w - x0, &kx0, &kx1);
        float *op = o + (size_t)ox * c;
        int j = 0;
        for (; j + 8 <= c; j += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++)
                    acc = _mm256_fmadd_ps(
                        _mm256_loadu_ps(x + ((size_t)(y0 + ky) * w + x0 + kx) * c + j),
                        _mm256_loadu_ps(k + (size_t)(ky * kw + kx) * c + j), acc);
            if (bias) acc = _mm256_add_ps(acc, _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(op + j, acc);
        }
        depthwise_scalar(x, k, bias, op, w, c, kw, y0, ky0, ky1, x0, kx0, kx1, j);
    }
}
#endif

void sf_gemm_f32(const float *a, ptrdiff_t lda, const float *b, float *c, int rows, int k, int n, const float *bias) {
#if SF_X86
    if (sf_active_path() != SF_PATH_PORTABLE) {
        gemm_avx2(a, lda, b, c, rows, k, n, bias);
        return;
    }
#endif
    gemm_scalar(a, lda, b, c, rows, k, n, 0, bias);
}

void sf_depthwise_row_f32(
    const float *x, const float *k, const float *bias, float *o, int h, int w, int c, int kh, int kw, int y0,
    int stride_x, int pad_left, int ow) {
#if SF_X86
    if (sf_active_path() != SF_PATH_PORTABLE) {
        depthwise_row_avx2(x, k, bias, o, h, w, c, kh, kw, y0, stride_x, pad_left, ow);
        return;
    }
#endif
    int ky0, ky1;
    tap_range(-y0, kh, h - y0, &ky0, &ky1);
    for (int ox = 0; ox < ow; ox++) {
        int x0 = ox * stride_x - pad_left, kx0, kx1;
        tap_range(-x0, kw, w - x0, &kx0, &kx1);
        depthwise_scalar(x, k, bias, o + (size_t)ox * c, w, c, kw, y0, ky0, ky1, x0, kx0, kx1, 0);
    }
}
