/* CPU feature detection with CPUID/XGETBV, so kernels pick their vector paths at run time. */
#include "ckernels.h"
#include <cpuid.h>

static unsigned long long vans_xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static int vans_os_saves(unsigned long long mask) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0; /* OSXSAVE */
    return (vans_xgetbv0() & mask) == mask;
}

int vans_cpu_has_avx512f(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!(b & (1u << 16))) return 0;
    return vans_os_saves(0xE6); /* XMM, YMM, opmask, ZMM state enabled */
}

int vans_cpu_has_avx512bf16(void) {
    unsigned a, b, c, d;
    if (!vans_cpu_has_avx512f()) return 0;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a & (1u << 5)) != 0;
}

int vans_cpu_has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c & (1u << 12)) != 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return fma && (b & (1u << 5)) && vans_os_saves(0x6);
}

int vans_cpu_has_f16c(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & (1u << 29)) != 0 && vans_os_saves(0x6);
}

void vans_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
