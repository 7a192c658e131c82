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

/* CPUs on which some kernel families are faster at 256 bits than at 512, by vendor, family and model
 * range; each entry lists the families that drop to the AVX2 code on such a CPU when VANS_CPU is auto.
 * A fixed table rather than a timing run at start-up: kernels of different widths round differently,
 * and results must not depend on how busy the machine was when the process started.
 *
 * Measured with scripts/bench/kernel_levels.sh (medians of avx2 ÷ avx512 time, 2 threads) on an AMD
 * EPYC Zen 4 (family 19h, 2 vCPUs): gelu_tanh_4m 2.00, silu_4m 1.13, softmax_2048 1.09, conv3d_vae
 * 1.03, attention_4096 1.01, gemm_f32_1024 1.01, small_ops_64k 0.99, decoder_layer_fwd 0.99 (noise).
 * No family was slower at 512 bits there, so the table has no entry yet; add one, with its numbers,
 * when a CPU measures otherwise. */
typedef struct {
    unsigned vendor_ebx; /* CPUID 0 EBX: "Auth" (AMD) or "Genu" (Intel) */
    unsigned family, model_first, model_last;
    unsigned narrow_families; /* bit i: family i runs at the AVX2 level */
} vans_narrow_entry;

static const vans_narrow_entry vans_narrow_table[] = {
    {0, 0, 0, 0, 0}, /* end */
};

static unsigned vans_cpu_narrow_families(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    const unsigned vendor = b;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned base_family = (a >> 8) & 0xF;
    const unsigned family = base_family + (base_family == 0xF ? (a >> 20) & 0xFF : 0);
    const unsigned model = ((a >> 4) & 0xF) | (base_family >= 0x6 ? ((a >> 16) & 0xF) << 4 : 0);
    for (const vans_narrow_entry *e = vans_narrow_table; e->vendor_ebx; e++)
        if (e->vendor_ebx == vendor && e->family == family && model >= e->model_first && model <= e->model_last)
            return e->narrow_families;
    return 0;
}

typedef struct {
    int detected;  /* what the CPU supports */
    int level;     /* detected, capped by the request */
    int forced;    /* 1 when VANS_CPU named a level: every kernel family runs at `level` */
    int request;   /* -1 auto, else the level VANS_CPU asked for (may exceed `detected`) */
    int invalid;   /* VANS_CPU was set to something we do not understand (treated as auto) */
    unsigned narrow;  /* families that run at the AVX2 level in auto mode (vans_narrow_table) */
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
    s->narrow = vans_cpu_narrow_families();
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
    return s->level == 2 && (s->narrow >> family & 1u) ? 1 : s->level;
}
