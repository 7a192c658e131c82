/* Vector math over arrays through glibc's libmvec; see internal/vans_vmath.h. */
#include <math.h>
#include "internal/vans_vmath.h"
#include "internal/vans_simd.h"

#if defined(__x86_64__) && defined(__GLIBC__)
#include <immintrin.h>
#pragma clang diagnostic ignored "-Wpsabi"

/* libmvec's entry points (glibc ≥ 2.35 for tanhf and erff). Each is an IFUNC that picks its own
   implementation; callers only need the instruction set the name implies. */
__m128 _ZGVbN4v_expf(__m128);
__m128 _ZGVbN4v_tanhf(__m128);
__m128 _ZGVbN4v_erff(__m128);
__m256 _ZGVdN8v_expf(__m256);
__m256 _ZGVdN8v_tanhf(__m256);
__m256 _ZGVdN8v_erff(__m256);
__m512 _ZGVeN16v_expf(__m512);
__m512 _ZGVeN16v_tanhf(__m512);
__m512 _ZGVeN16v_erff(__m512);

static float scalar(int function, float v) {
    switch (function) {
    case VANS_VMATH_EXP: return expf(v);
    case VANS_VMATH_TANH: return tanhf(v);
    default: return erff(v);
    }
}

__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
static void vmath_avx512(int function, const float *x, float *y, int64_t n) {
    __m512 (*f)(__m512) = function == VANS_VMATH_EXP ? _ZGVeN16v_expf
                        : function == VANS_VMATH_TANH ? _ZGVeN16v_tanhf : _ZGVeN16v_erff;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = scalar(function, x[i]);
}

__attribute__((target("avx2,fma")))
static void vmath_avx2(int function, const float *x, float *y, int64_t n) {
    __m256 (*f)(__m256) = function == VANS_VMATH_EXP ? _ZGVdN8v_expf
                        : function == VANS_VMATH_TANH ? _ZGVdN8v_tanhf : _ZGVdN8v_erff;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = scalar(function, x[i]);
}

static void vmath_sse(int function, const float *x, float *y, int64_t n) {
    __m128 (*f)(__m128) = function == VANS_VMATH_EXP ? _ZGVbN4v_expf
                        : function == VANS_VMATH_TANH ? _ZGVbN4v_tanhf : _ZGVbN4v_erff;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, f(_mm_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = scalar(function, x[i]);
}

void vans_vmath_f32(int function, const float *x, float *y, int64_t n) {
    switch (vans_isa_level()) {
    case 2: vmath_avx512(function, x, y, n); break;
    case 1: vmath_avx2(function, x, y, n); break;
    default: vmath_sse(function, x, y, n); break;
    }
}
#else
void vans_vmath_f32(int function, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = function == VANS_VMATH_EXP ? expf(v) : function == VANS_VMATH_TANH ? tanhf(v) : erff(v);
    }
}
#endif
