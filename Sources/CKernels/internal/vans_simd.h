// Shared helpers for the fused kernels: an 8-lane float vector (GCC/Clang vector
// extensions), a vectorisable exp, a small packed GEMM micro-kernel, and the macro
// that compiles one kernel body for AVX-512, AVX2+FMA and a portable baseline and
// picks one at run time. Bodies are `always_inline` so each copy is compiled with
// its caller's instruction set.
#ifndef VANS_SIMD_H
#define VANS_SIMD_H
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "ckernels.h"

/* Vector helpers are always inlined, so the AVX argument-passing ABI never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

#define VANS_INLINE static inline __attribute__((always_inline))

typedef float vans_v8 __attribute__((vector_size(32)));
typedef int32_t vans_v8i __attribute__((vector_size(32)));

VANS_INLINE vans_v8 vans_load8(const float *p) { vans_v8 r; memcpy(&r, p, sizeof r); return r; }
VANS_INLINE void vans_store8(float *p, vans_v8 v) { memcpy(p, &v, sizeof v); }
VANS_INLINE vans_v8 vans_splat8(float x) { return (vans_v8){x, x, x, x, x, x, x, x}; }
VANS_INLINE float vans_hsum8(vans_v8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
VANS_INLINE float vans_hmax8(vans_v8 v) {
    float m = v[0];
    for (int i = 1; i < 8; i++) m = v[i] > m ? v[i] : m;
    return m;
}

/// exp(x) / 2^n for x ≈ n·ln 2 (Cephes): the argument reduced by n·ln 2 in two parts, then the degree-6
/// polynomial. Both exp kernels below share it and differ only in how they find n and apply 2^n.
VANS_INLINE vans_v8 vans_exp8_reduced(vans_v8 x, vans_v8 n) {
    x = x - n * vans_splat8(0.693359375f);
    x = x - n * vans_splat8(-2.12194440e-4f);
    const vans_v8 z = x * x;
    vans_v8 y = vans_splat8(1.9875691500e-4f);
    y = y * x + vans_splat8(1.3981999507e-3f);
    y = y * x + vans_splat8(8.3334519073e-3f);
    y = y * x + vans_splat8(4.1665795894e-2f);
    y = y * x + vans_splat8(1.6666665459e-1f);
    y = y * x + vans_splat8(5.0000001201e-1f);
    return y * z + x + vans_splat8(1.0f);
}

/// exp(x) for 8 lanes (Cephes polynomial, ~1 ulp); lanes below -87.3 give exactly 0
/// so masked scores (-inf) vanish.
VANS_INLINE vans_v8 vans_exp8(vans_v8 x) {
    const vans_v8 hi = vans_splat8(88.0f), lo = vans_splat8(-87.3365447505531f);
    vans_v8i alive = x > lo;
    x = (vans_v8)((vans_v8i)x & alive) ; /* avoid NaN/inf arithmetic on dead lanes */
    x = (vans_v8)(((vans_v8i)x & ~(vans_v8i)(x > hi)) | ((vans_v8i)hi & (vans_v8i)(x > hi)));
    vans_v8 fx = x * vans_splat8(1.44269504088896341f) + vans_splat8(0.5f);
    vans_v8i fi = __builtin_convertvector(fx, vans_v8i);
    vans_v8 ft = __builtin_convertvector(fi, vans_v8);
    ft = ft - (vans_v8)((vans_v8i)vans_splat8(1.0f) & (vans_v8i)(ft > fx)); /* floor */
    vans_v8 y = vans_exp8_reduced(x, ft);
    vans_v8i e = (__builtin_convertvector(ft, vans_v8i) + 127) << 23;
    y = y * (vans_v8)e;
    return (vans_v8)((vans_v8i)y & alive);
}

/// exp(x) for 8 lanes with x <= 88 (the softmax case, x = score - running max <= 0):
/// the same Cephes polynomial as vans_exp8, but the exponent is rounded with the
/// 1.5·2^23 "magic number" trick and read straight from the float's bits, with no
/// upper clamp — about two thirds of vans_exp8's instructions. Lanes below -87.3
/// (and -inf) give exactly 0.
VANS_INLINE vans_v8 vans_exp8_nonpos(vans_v8 x) {
    const vans_v8i alive = x > vans_splat8(-87.3365447505531f);
    x = (vans_v8)((vans_v8i)x & alive); /* dead lanes compute exp(0), then are zeroed */
    const vans_v8 magic = vans_splat8(12583039.0f); /* 1.5·2^23 + 127 */
    const vans_v8 t = x * vans_splat8(1.44269504088896341f) + magic;
    const vans_v8 n = t - magic; /* round(x·log2 e) */
    vans_v8 y = vans_exp8_reduced(x, n);
    y = y * (vans_v8)((vans_v8i)t << 23); /* low mantissa bits of t hold n + 127 */
    return (vans_v8)((vans_v8i)y & alive);
}

VANS_INLINE float vans_exp1(float x) { return vans_exp8(vans_splat8(x))[0]; }

/// One R×16 block of C (+)= A·B, R ≤ 6: element (r, p) of the left factor is a[r·row_step + p·column_step],
/// so the same body serves A as stored (row_step lda, column_step 1) and A given transposed (1, lda). R is
/// a constant at every call site, so the loops unroll into 2R accumulators held in registers.
VANS_INLINE void vans_gemm_block(const int rows, int64_t k, const float *a, int64_t row_step, int64_t column_step,
                                 const float *b, int64_t ldb, float *c, int64_t ldc, int accumulate) {
    vans_v8 c0[6], c1[6];
    for (int r = 0; r < rows; r++) {
        c0[r] = accumulate ? vans_load8(c + r * ldc) : vans_splat8(0.0f);
        c1[r] = accumulate ? vans_load8(c + r * ldc + 8) : vans_splat8(0.0f);
    }
    for (int64_t p = 0; p < k; p++, b += ldb, a += column_step) {
        const vans_v8 b0 = vans_load8(b), b1 = vans_load8(b + 8);
        for (int r = 0; r < rows; r++) {
            const vans_v8 x = vans_splat8(a[r * row_step]);
            c0[r] = c0[r] + x * b0;
            c1[r] = c1[r] + x * b1;
        }
    }
    for (int r = 0; r < rows; r++) {
        vans_store8(c + r * ldc, c0[r]);
        vans_store8(c + r * ldc + 8, c1[r]);
    }
}

/// C[m×n] (+)= A·B over R×16 blocks: six rows at a time (12 accumulators, enough independent FMA chains to
/// hide the FMA latency on two pipes), and blocks of four for the rest. m is a multiple of 4, n of 16.
/// Columns [16q, 16q + 16) of B start at b + q·b_block_step: 16 for B as stored row-major, or k·16 for B
/// packed into 16-column panels (ldb 16), which keeps the panel's rows in distinct cache sets.
VANS_INLINE void vans_gemm_blocks(int64_t m, int64_t n, int64_t k, const float *a, int64_t row_step,
                                  int64_t column_step, const float *b, int64_t ldb, int64_t b_block_step,
                                  float *c, int64_t ldc, int accumulate) {
    /* m ≡ 0 (mod 4), so m mod 6 is 0, 2 or 4; with 2, one block of six fewer leaves 8 = 4 + 4. */
    int64_t six = m / 6;
    if (m % 6 == 2) six--;
    int64_t i = 0;
    for (; i < 6 * six; i += 6)
        for (int64_t j = 0; j < n; j += 16)
            vans_gemm_block(6, k, a + i * row_step, row_step, column_step, b + (j / 16) * b_block_step, ldb,
                            c + i * ldc + j, ldc, accumulate);
    for (; i < m; i += 4)
        for (int64_t j = 0; j < n; j += 16)
            vans_gemm_block(4, k, a + i * row_step, row_step, column_step, b + (j / 16) * b_block_step, ldb,
                            c + i * ldc + j, ldc, accumulate);
}

/// C[m×n] (+)= A[m×k] · B[k×n]; A row-major with leading dimension lda, B and C
/// row-major with ldb / ldc. m must be a multiple of 4 and n of 16 (callers pad).
VANS_INLINE void vans_gemm_nn(int64_t m, int64_t n, int64_t k,
                              const float *a, int64_t lda, const float *b, int64_t ldb,
                              float *c, int64_t ldc, int accumulate) {
    vans_gemm_blocks(m, n, k, a, lda, 1, b, ldb, 16, c, ldc, accumulate);
}

/// C[m×n] (+)= Aᵀ[m×k] · B[k×n] where A is given transposed: element (i, p) of the
/// product's left factor is at[p * lda + i]. B and C row-major; m a multiple of 4, n of 16.
VANS_INLINE void vans_gemm_tn(int64_t m, int64_t n, int64_t k,
                              const float *at, int64_t lda, const float *b, int64_t ldb,
                              float *c, int64_t ldc, int accumulate) {
    vans_gemm_blocks(m, n, k, at, 1, lda, b, ldb, 16, c, ldc, accumulate);
}

/// The instruction-set level a kernel family runs at (see vans_cpu_kernel_level in cpu.c).
static inline int vans_isa_level(int family) {
#if defined(__x86_64__)
    return vans_cpu_kernel_level(family);
#else
    (void)family;
    return 0;
#endif
}

/// Defines static `name` calling `name##_body` compiled three times, dispatching on FAMILY's level.
/// PARAMS is the parenthesised parameter list, ARGS the matching argument list.
#if defined(__x86_64__)
#define VANS_MULTIVERSION(FAMILY, name, PARAMS, ARGS)                                            \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))                      \
    static void name##_avx512 PARAMS { name##_body ARGS; }                                 \
    __attribute__((target("avx2,fma"))) static void name##_avx2 PARAMS { name##_body ARGS; } \
    static void name##_baseline PARAMS { name##_body ARGS; }                               \
    static void name PARAMS {                                                              \
        switch (vans_isa_level(FAMILY)) {                                                  \
        case 2: name##_avx512 ARGS; break;                                                 \
        case 1: name##_avx2 ARGS; break;                                                   \
        default: name##_baseline ARGS; break;                                              \
        }                                                                                  \
    }
#else
#define VANS_MULTIVERSION(FAMILY, name, PARAMS, ARGS) static void name PARAMS { name##_body ARGS; }
#endif

#endif
