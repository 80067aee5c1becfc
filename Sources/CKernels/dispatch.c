// Run-time kernel selection: CPUID (and the OS's saved register state) decides which paths the
// CPU can run; SPIKEFORGE_KERNELS may force a supported one (tests, benchmarks, comparisons).
#include "CKernels.h"
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int detect_paths(void) {
    int paths = 1 << SF_PATH_PORTABLE;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return paths;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return paths;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return paths;  // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return paths;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
    int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    int vnni = (c >> 11) & 1;
    if (avx2 && fma) paths |= 1 << SF_PATH_AVX2;
    // DQ (64-bit multiplies of the output stage) comes with every VNNI CPU; checked all the same.
    int avx512 = avx512f && avx512dq && avx512bw && avx512vl;
    if (avx2 && fma && avx512 && vnni && (xcr0 & 0xE0) == 0xE0) paths |= 1 << SF_PATH_VNNI;
    return paths;
}
#else
static int detect_paths(void) { return 1 << SF_PATH_PORTABLE; }
#endif

static atomic_int supported = -1;
static atomic_int active = -1;

int sf_supported_paths(void) {
    int s = atomic_load(&supported);
    if (s < 0) {
        s = detect_paths();
        atomic_store(&supported, s);
    }
    return s;
}

static int best_path(int paths) {
    for (int p = SF_PATH_VNNI; p <= SF_PATH_PORTABLE; p++)
        if (paths & (1 << p)) return p;
    return SF_PATH_PORTABLE;
}

int sf_active_path(void) {
    int p = atomic_load(&active);
    if (p >= 0) return p;
    int paths = sf_supported_paths();
    p = best_path(paths);
    const char *forced = getenv("SPIKEFORGE_KERNELS");
    if (forced) {
        static const char *names[] = {"vnni", "avx2", "portable"};
        for (int q = SF_PATH_VNNI; q <= SF_PATH_PORTABLE; q++) {
            // A path the CPU cannot run falls back to the best slower one it can.
            if (strcmp(forced, names[q]) == 0) p = best_path(paths & ~((1 << q) - 1));
        }
    }
    atomic_store(&active, p);
    return p;
}

int sf_set_active_path(int path) {
    if (path < SF_PATH_VNNI || path > SF_PATH_PORTABLE || !(sf_supported_paths() & (1 << path))) return 0;
    atomic_store(&active, path);
    return 1;
}
