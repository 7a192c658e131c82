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


/* tanhf is ±1 from about 13·ln 2 ≈ 9.0109 on, where 1 − tanh(x) ≈ 2·e^(−2x) drops below half an ulp of 1.
   libm saturates from 9.01091, the 4- and 8-lane libmvec tanhf from 9.01088, but the 16-lane one returns
   ±(1 − 2^−24) up to |x| = 10, which 0.5·x·(1 + tanh) in GELU-tanh turns into −1.6e−7 where torch gives −0.
   Every width, the scalar tail included, returns exactly ±1 from 9.01088 on (at most 1 ulp from the
   correctly rounded value), so all kernel levels agree bit for bit there. */
static const float vans_tanh_saturation = 9.01088f;

static float saturated_tanh(float v) {
    return fabsf(v) >= vans_tanh_saturation ? copysignf(1.0f, v) : tanhf(v);
}

static float scalar(int function, float v) {
    switch (function) {
    case VANS_VMATH_EXP: return expf(v);
    case VANS_VMATH_TANH: return saturated_tanh(v);
    default: return erff(v);
    }
}

__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
static void vmath_avx512(int function, const float *x, float *y, int64_t n) {
    __m512 (*f)(__m512) = function == VANS_VMATH_EXP ? _ZGVeN16v_expf
                        : function == VANS_VMATH_TANH ? _ZGVeN16v_tanhf : _ZGVeN16v_erff;
    const __m512 sign = _mm512_set1_ps(-0.0f), one = _mm512_set1_ps(1.0f);
    const __m512 saturation = _mm512_set1_ps(vans_tanh_saturation);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        __m512 r = f(v);
        if (function == VANS_VMATH_TANH) {
            const __mmask16 saturated = _mm512_cmp_ps_mask(_mm512_andnot_ps(sign, v), saturation, _CMP_GE_OQ);
            r = _mm512_mask_mov_ps(r, saturated, _mm512_or_ps(one, _mm512_and_ps(sign, v)));
        }
        _mm512_storeu_ps(y + i, r);
    }
    for (; i < n; i++) y[i] = scalar(function, x[i]);
}

__attribute__((target("avx2,fma")))
static void vmath_avx2(int function, const float *x, float *y, int64_t n) {
    __m256 (*f)(__m256) = function == VANS_VMATH_EXP ? _ZGVdN8v_expf
                        : function == VANS_VMATH_TANH ? _ZGVdN8v_tanhf : _ZGVdN8v_erff;
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    const __m256 saturation = _mm256_set1_ps(vans_tanh_saturation);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        __m256 r = f(v);
        if (function == VANS_VMATH_TANH) {
            const __m256 saturated = _mm256_cmp_ps(_mm256_andnot_ps(sign, v), saturation, _CMP_GE_OQ);
            r = _mm256_blendv_ps(r, _mm256_or_ps(one, _mm256_and_ps(sign, v)), saturated);
        }
        _mm256_storeu_ps(y + i, r);
    }
    for (; i < n; i++) y[i] = scalar(function, x[i]);
}

static void vmath_sse(int function, const float *x, float *y, int64_t n) {
    __m128 (*f)(__m128) = function == VANS_VMATH_EXP ? _ZGVbN4v_expf
                        : function == VANS_VMATH_TANH ? _ZGVbN4v_tanhf : _ZGVbN4v_erff;
    const __m128 sign = _mm_set1_ps(-0.0f), one = _mm_set1_ps(1.0f), saturation = _mm_set1_ps(vans_tanh_saturation);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128 v = _mm_loadu_ps(x + i);
        __m128 r = f(v);
        if (function == VANS_VMATH_TANH) {
            /* SSE2 has no blend: select with and/andnot */
            const __m128 saturated = _mm_cmpge_ps(_mm_andnot_ps(sign, v), saturation);
            r = _mm_or_ps(_mm_andnot_ps(saturated, r), _mm_and_ps(saturated, _mm_or_ps(one, _mm_and_ps(sign, v))));
        }
        _mm_storeu_ps(y + i, r);
    }
    for (; i < n; i++) y[i] = scalar(function, x[i]);
}

void vans_vmath_f32(int function, const float *x, float *y, int64_t n) {
    switch (vans_isa_level(VANS_KERNEL_VECTOR_MATH)) {
    case 2: vmath_avx512(function, x, y, n); break;
    case 1: vmath_avx2(function, x, y, n); break;
    default: vmath_sse(function, x, y, n); break;
    }
}
#else
void vans_vmath_f32(int function, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = function == VANS_VMATH_EXP ? expf(v) : function == VANS_VMATH_TANH ? tanhf(v) : erff(v); /* libm */
    }
}
#endif
