// Input staging of the neural kernels: the value range of an int32 buffer, and its copy on a padded
// grid as bytes (value + offset, truncated to 8 bits; the byte kernels) or as int32 (the depthwise
// loop). One body per path's vector width.
#include "CKernels.h"
#include "internal.h"

SF_INLINE void range_body(const int32_t *x, size_t n, int32_t *lo, int32_t *hi) {
    int32_t a = n ? x[0] : 0, b = a;
    for (size_t i = 0; i < n; i++) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = a;
    *hi = b;
}

#define PADDED_BODY(NAME, T)                                                                                  \
    SF_INLINE void NAME(                                                                                      \
        const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values, \
        int32_t offset, T *out) {                                                                             \
        for (int r = 0; r < p0; r++) {                                                                        \
            int ir = r - pad0;                                                                                \
            for (int q = 0; q < p1; q++) {                                                                    \
                int iq = q - pad1;                                                                            \
                T *o = out + ((size_t)r * p1 + q) * c;                                                        \
                if (ir >= 0 && ir < d0 && iq >= 0 && iq < d1) {                                               \
                    /* The input positions left in this row (within the padded grid) are contiguous. */      \
                    int positions = d1 - iq < p1 - q ? d1 - iq : p1 - q, run = positions * c;                 \
                    const int32_t *s = x + ((size_t)ir * d1 + iq) * c;                                        \
                    for (int k = 0; k < run; k++) o[k] = (T)((uint32_t)s[k] + (uint32_t)offset);              \
                    q += positions - 1;                                                                       \
                } else {                                                                                      \
                    for (int ch = 0; ch < c; ch++)                                                            \
                        o[ch] = (T)((uint32_t)(pad_values ? pad_values[ch] : 0) + (uint32_t)offset);          \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }
PADDED_BODY(bytes_body, uint8_t)
PADDED_BODY(ints_body, int32_t)

#define STAGING(SUFFIX, TARGET)                                                                               \
    TARGET static void range_##SUFFIX(const int32_t *x, size_t n, int32_t *lo, int32_t *hi) {                 \
        range_body(x, n, lo, hi);                                                                             \
    }                                                                                                         \
    TARGET static void bytes_##SUFFIX(                                                                        \
        const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values, \
        int32_t offset, uint8_t *out) {                                                                       \
        bytes_body(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, offset, out);                                \
    }                                                                                                         \
    TARGET static void ints_##SUFFIX(                                                                         \
        const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values, \
        int32_t *out) {                                                                                       \
        ints_body(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, 0, out);                                      \
    }

STAGING(portable, )
#if SF_X86
STAGING(avx512, SF_TARGET_VNNI)
STAGING(avx2, SF_TARGET_AVX2)
#endif

void sf_range_i32(const int32_t *x, size_t n, int32_t *lo, int32_t *hi) {
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: range_avx512(x, n, lo, hi); return;
    case SF_PATH_AVX2: range_avx2(x, n, lo, hi); return;
    default: break;
    }
#endif
    range_portable(x, n, lo, hi);
}

void sf_bytes_padded(
    const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values,
    int32_t offset, uint8_t *out) {
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: bytes_avx512(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, offset, out); return;
    case SF_PATH_AVX2: bytes_avx2(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, offset, out); return;
    default: break;
    }
#endif
    bytes_portable(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, offset, out);
}

void sf_padded_i32(
    const int32_t *x, int d0, int d1, int c, int p0, int p1, int pad0, int pad1, const int32_t *pad_values,
    int32_t *out) {
#if SF_X86
    switch (sf_active_path()) {
    case SF_PATH_VNNI: ints_avx512(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, out); return;
    case SF_PATH_AVX2: ints_avx2(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, out); return;
    default: break;
    }
#endif
    ints_portable(x, d0, d1, c, p0, p1, pad0, pad1, pad_values, out);
}
