/* CPU feature detection with CPUID/XGETBV, and the kernel level every multi-versioned kernel runs at.
 *
 * Levels: 0 baseline (SSE2), 1 AVX2+FMA, 2 AVX-512 (F/BW/DQ/VL). The level in force is the highest the
 * CPU supports, capped by VANS_CPU (baseline | avx2 | avx512 | auto), read once. In `auto` the engine
 * also consults a small table of kernel families that run faster at 256 bits on some CPUs (see
 * vans_cpu_kernel_level); an explicit VANS_CPU level applies to every family, so the test suite can
 * run each level's code on purpose. The choice never depends on timing, so results are repeatable. */
#include "ckernels.h"
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

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

/* The AVX-512 kernels are compiled for F, BW, DQ and VL together (every AVX-512 CPU since Skylake-SP). */
static int vans_cpu_has_avx512_kernel_set(void) {
    unsigned a, b, c, d;
    if (!vans_cpu_has_avx512f() || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned dq = 1u << 17, bw = 1u << 30, vl = 1u << 31;
    return (b & (dq | bw | vl)) == (dq | bw | vl);
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

/* ---- kernel levels ---- */

int vans_cpu_detected_level(void) {
#if defined(__x86_64__)
    if (vans_cpu_has_avx512_kernel_set() && vans_cpu_has_avx2()) return 2;
    if (vans_cpu_has_avx2()) return 1;
#endif
    return 0;
}

/* AMD family 19h (Zen 3 and Zen 4): Zen 4 executes 512-bit operations as two 256-bit halves. */
static int vans_cpu_is_amd_family_19h(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    const int amd = b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u; /* "AuthenticAMD" */
    if (!amd || !__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned family = ((a >> 8) & 0xF) + (((a >> 8) & 0xF) == 0xF ? ((a >> 20) & 0xFF) : 0);
    return family == 0x19;
}

typedef struct {
    int detected;  /* what the CPU supports */
    int level;     /* detected, capped by the request */
    int forced;    /* 1 when VANS_CPU named a level: every kernel family runs at `level` */
    int request;   /* -1 auto, else the level VANS_CPU asked for (may exceed `detected`) */
    int invalid;   /* VANS_CPU was set to something we do not understand (treated as auto) */
    int prefers_256[VANS_KERNEL_FAMILY_COUNT];
} vans_cpu_state;

static vans_cpu_state vans_state;
static int vans_state_ready; /* 0 unset, 1 being set, 2 ready */

static int vans_parse_level(const char *text, int *invalid) {
    *invalid = 0;
    if (!text || !*text || !strcmp(text, "auto")) return -1;
    if (!strcmp(text, "baseline")) return 0;
    if (!strcmp(text, "avx2")) return 1;
    if (!strcmp(text, "avx512")) return 2;
    *invalid = 1;
    return -1;
}

static void vans_cpu_state_init(vans_cpu_state *s) {
    memset(s, 0, sizeof *s);
    s->detected = vans_cpu_detected_level();
    s->request = vans_parse_level(getenv("VANS_CPU"), &s->invalid);
    s->forced = s->request >= 0;
    s->level = s->forced && s->request < s->detected ? s->request : s->detected;
    if (vans_cpu_is_amd_family_19h()) {
        /* Measured on Zen 4 (EPYC, 2 cores; scripts/bench/run.sh with VANS_CPU=avx2 and avx512): see
         * vans_cpu_kernel_level for the families listed here. */
        s->prefers_256[VANS_KERNEL_VECTOR_MATH] = 0;
    }
}

static const vans_cpu_state *vans_cpu_state_get(void) {
    int ready = __atomic_load_n(&vans_state_ready, __ATOMIC_ACQUIRE);
    if (ready == 2) return &vans_state;
    int expected = 0;
    if (__atomic_compare_exchange_n(&vans_state_ready, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        vans_cpu_state_init(&vans_state);
        __atomic_store_n(&vans_state_ready, 2, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&vans_state_ready, __ATOMIC_ACQUIRE) != 2) vans_cpu_relax();
    }
    return &vans_state;
}

int vans_cpu_level(void) { return vans_cpu_state_get()->level; }
int vans_cpu_level_forced(void) { return vans_cpu_state_get()->forced; }
int vans_cpu_level_requested(void) { return vans_cpu_state_get()->request; }
int vans_cpu_level_request_invalid(void) { return vans_cpu_state_get()->invalid; }

int vans_cpu_kernel_level(int family) {
    const vans_cpu_state *s = vans_cpu_state_get();
    if (s->forced || family < 0 || family >= VANS_KERNEL_FAMILY_COUNT) return s->level;
    return s->level == 2 && s->prefers_256[family] ? 1 : s->level;
}
