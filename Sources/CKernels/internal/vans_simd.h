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

/// C[m×n] (+)= A[m×k] · B[k×n]; A row-major with leading dimension lda, B and C
/// row-major with ldb / ldc. m must be a multiple of 4 and n of 16 (callers pad).
VANS_INLINE void vans_gemm_nn(int64_t m, int64_t n, int64_t k,
                              const float *a, int64_t lda, const float *b, int64_t ldb,
                              float *c, int64_t ldc, int accumulate) {
    for (int64_t i = 0; i < m; i += 4) {
        const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        for (int64_t j = 0; j < n; j += 16) {
            vans_v8 c00, c01, c10, c11, c20, c21, c30, c31;
            float *cp = c + i * ldc + j;
            if (accumulate) {
                c00 = vans_load8(cp); c01 = vans_load8(cp + 8);
                c10 = vans_load8(cp + ldc); c11 = vans_load8(cp + ldc + 8);
                c20 = vans_load8(cp + 2 * ldc); c21 = vans_load8(cp + 2 * ldc + 8);
                c30 = vans_load8(cp + 3 * ldc); c31 = vans_load8(cp + 3 * ldc + 8);
            } else {
                c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = vans_splat8(0.0f);
            }
            const float *bp = b + j;
            for (int64_t p = 0; p < k; p++, bp += ldb) {
                vans_v8 b0 = vans_load8(bp), b1 = vans_load8(bp + 8);
                vans_v8 x = vans_splat8(a0[p]);
                c00 = c00 + x * b0; c01 = c01 + x * b1;
                x = vans_splat8(a1[p]);
                c10 = c10 + x * b0; c11 = c11 + x * b1;
                x = vans_splat8(a2[p]);
                c20 = c20 + x * b0; c21 = c21 + x * b1;
                x = vans_splat8(a3[p]);
                c30 = c30 + x * b0; c31 = c31 + x * b1;
            }
            vans_store8(cp, c00); vans_store8(cp + 8, c01);
            vans_store8(cp + ldc, c10); vans_store8(cp + ldc + 8, c11);
            vans_store8(cp + 2 * ldc, c20); vans_store8(cp + 2 * ldc + 8, c21);
            vans_store8(cp + 3 * ldc, c30); vans_store8(cp + 3 * ldc + 8, c31);
        }
    }
}

/// C[m×n] (+)= Aᵀ[m×k] · B[k×n] where A is given transposed: element (i, p) of the
/// product's left factor is at[p * lda + i]. B and C row-major; m a multiple of 4, n of 16.
VANS_INLINE void vans_gemm_tn(int64_t m, int64_t n, int64_t k,
                              const float *at, int64_t lda, const float *b, int64_t ldb,
                              float *c, int64_t ldc, int accumulate) {
    for (int64_t i = 0; i < m; i += 4) {
        for (int64_t j = 0; j < n; j += 16) {
            vans_v8 c00, c01, c10, c11, c20, c21, c30, c31;
            float *cp = c + i * ldc + j;
            if (accumulate) {
                c00 = vans_load8(cp); c01 = vans_load8(cp + 8);
                c10 = vans_load8(cp + ldc); c11 = vans_load8(cp + ldc + 8);
                c20 = vans_load8(cp + 2 * ldc); c21 = vans_load8(cp + 2 * ldc + 8);
                c30 = vans_load8(cp + 3 * ldc); c31 = vans_load8(cp + 3 * ldc + 8);
            } else {
                c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = vans_splat8(0.0f);
            }
            const float *bp = b + j, *ap = at + i;
            for (int64_t p = 0; p < k; p++, bp += ldb, ap += lda) {
                vans_v8 b0 = vans_load8(bp), b1 = vans_load8(bp + 8);
                vans_v8 x = vans_splat8(ap[0]);
                c00 = c00 + x * b0; c01 = c01 + x * b1;
                x = vans_splat8(ap[1]);
                c10 = c10 + x * b0; c11 = c11 + x * b1;
                x = vans_splat8(ap[2]);
                c20 = c20 + x * b0; c21 = c21 + x * b1;
                x = vans_splat8(ap[3]);
                c30 = c30 + x * b0; c31 = c31 + x * b1;
            }
            vans_store8(cp, c00); vans_store8(cp + 8, c01);
            vans_store8(cp + ldc, c10); vans_store8(cp + ldc + 8, c11);
            vans_store8(cp + 2 * ldc, c20); vans_store8(cp + 2 * ldc + 8, c21);
            vans_store8(cp + 3 * ldc, c30); vans_store8(cp + 3 * ldc + 8, c31);
        }
    }
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
