// Shared by the CKernels sources: target attributes of the x86 paths.
#ifndef SPIKEFORGE_CKERNELS_INTERNAL_H
#define SPIKEFORGE_CKERNELS_INTERNAL_H

#if defined(__x86_64__)
#define SF_X86 1
#include <immintrin.h>
#define SF_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define SF_TARGET_VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))
#else
#define SF_X86 0
#endif

#define SF_INLINE static inline __attribute__((always_inline))

#endif
