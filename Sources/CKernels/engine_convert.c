/* dtype conversions (bit-exact with PyTorch's c10::BFloat16 / c10::Half round-to-nearest-even)
 * and strided copies. Vector paths are chosen at run time by CPUID. */
#include "ckernels.h"
#include <immintrin.h>
#include <string.h>

uint16_t vans_f32_to_bf16_scalar(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    /* NaN becomes 0xFFFF, as ATen's vectorised tensor conversion writes it (c10's scalar path gives 0x7FC0). */
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return 0xFFFF;
    uint32_t rounding_bias = 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)((bits + rounding_bias) >> 16);
}

/* fp16 conversions follow the FP16 library (Maratyszcza), which c10::Half uses. */
static float vans_bits_to_f32(uint32_t w) { float f; memcpy(&f, &w, 4); return f; }
static uint32_t vans_f32_to_bits(float f) { uint32_t w; memcpy(&w, &f, 4); return w; }

float vans_f16_to_f32_scalar(uint16_t h) {
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    const uint32_t exp_offset = 0xE0u << 23;
    const float exp_scale = vans_bits_to_f32(0x7800000u);
    const float normalized_value = vans_bits_to_f32((two_w >> 4) + exp_offset) * exp_scale;
    const uint32_t magic_mask = 126u << 23;
    const float magic_bias = 0.5f;
    const float denormalized_value = vans_bits_to_f32((two_w >> 17) | magic_mask) - magic_bias;
    const uint32_t denormalized_cutoff = 1u << 27;
    const uint32_t result = sign | (two_w < denormalized_cutoff ? vans_f32_to_bits(denormalized_value)
                                                                : vans_f32_to_bits(normalized_value));
    return vans_bits_to_f32(result);
}

uint16_t vans_f32_to_f16_scalar(float f) {
    const float scale_to_inf = vans_bits_to_f32(0x77800000u);
    const float scale_to_zero = vans_bits_to_f32(0x08800000u);
    float base = (f < 0 ? -f : f) * scale_to_inf;
    base *= scale_to_zero;
    const uint32_t w = vans_f32_to_bits(f);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = vans_bits_to_f32((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = vans_f32_to_bits(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

__attribute__((target("avx512f,avx512bw")))
static void bf16_from_f32_avx512(const float *src, uint16_t *dst, int64_t count, int64_t *done) {
    int64_t i = 0;
    const __m512i bias = _mm512_set1_epi32(0x7FFF), one = _mm512_set1_epi32(1);
    const __m512i abs_mask = _mm512_set1_epi32(0x7FFFFFFF), inf = _mm512_set1_epi32(0x7F800000);
    const __m512i qnan = _mm512_set1_epi32(0xFFFF);
    for (; i + 16 <= count; i += 16) {
        __m512i bits = _mm512_loadu_si512((const void *)(src + i));
        __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), one);
        __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(bias, lsb)), 16);
        __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(bits, abs_mask), inf);
        rounded = _mm512_mask_mov_epi32(rounded, nan, qnan);
        _mm256_storeu_si256((__m256i *)(dst + i), _mm512_cvtepi32_epi16(rounded));
    }
    *done = i;
}

__attribute__((target("avx2")))
static void bf16_from_f32_avx2(const float *src, uint16_t *dst, int64_t count, int64_t *done) {
    int64_t i = 0;
    const __m256i bias = _mm256_set1_epi32(0x7FFF), one = _mm256_set1_epi32(1);
    const __m256i abs_mask = _mm256_set1_epi32(0x7FFFFFFF), inf = _mm256_set1_epi32(0x7F800000);
    const __m256i qnan = _mm256_set1_epi32(0xFFFF);
    for (; i + 8 <= count; i += 8) {
        __m256i bits = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), one);
        __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(bits, _mm256_add_epi32(bias, lsb)), 16);
        __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, abs_mask), inf); /* both non-negative */
        rounded = _mm256_blendv_epi8(rounded, qnan, nan);
        __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(rounded), _mm256_extracti128_si256(rounded, 1));
        _mm_storeu_si128((__m128i *)(dst + i), packed);
    }
    *done = i;
}

void vans_f32_to_bf16(const float *src, uint16_t *dst, int64_t count) {
    const int level = vans_cpu_kernel_level(VANS_KERNEL_CONVERSION);
    int64_t i = 0;
    if (level == 2) bf16_from_f32_avx512(src, dst, count, &i);
    else if (level == 1) bf16_from_f32_avx2(src, dst, count, &i);
    for (; i < count; i++) dst[i] = vans_f32_to_bf16_scalar(src[i]);
}

void vans_bf16_to_f32(const uint16_t *src, float *dst, int64_t count) {
    /* Exact widening; the compiler vectorises this loop. */
    uint32_t *out = (uint32_t *)dst;
    for (int64_t i = 0; i < count; i++) out[i] = (uint32_t)src[i] << 16;
}

__attribute__((target("avx512f")))
static void f16_from_f32_avx512(const float *src, uint16_t *dst, int64_t count, int64_t *done) {
    int64_t i = 0;
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i),
                            _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    *done = i;
}

__attribute__((target("avx,f16c")))
static void f16_from_f32_f16c(const float *src, uint16_t *dst, int64_t count, int64_t *done) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    *done = i;
}

__attribute__((target("avx,f16c")))
static void f32_from_f16_f16c(const uint16_t *src, float *dst, int64_t count, int64_t *done) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    *done = i;
}

/* F16C comes with every AVX2 CPU we know of, but is checked on its own all the same. */
static int vans_f16_level(void) {
    const int level = vans_cpu_kernel_level(VANS_KERNEL_CONVERSION);
    return level >= 1 && !vans_cpu_has_f16c() ? 0 : level;
}

void vans_f32_to_f16(const float *src, uint16_t *dst, int64_t count) {
    int level = vans_f16_level();
    int64_t i = 0;
    if (level == 2) f16_from_f32_avx512(src, dst, count, &i);
    else if (level == 1) f16_from_f32_f16c(src, dst, count, &i);
    for (; i < count; i++) dst[i] = vans_f32_to_f16_scalar(src[i]);
}

void vans_f16_to_f32(const uint16_t *src, float *dst, int64_t count) {
    int64_t i = 0;
    if (vans_f16_level() >= 1) f32_from_f16_f16c(src, dst, count, &i);
    for (; i < count; i++) dst[i] = vans_f16_to_f32_scalar(src[i]);
}

/* Walks the element order of `shape` from linear index start, calling the inner loop on runs
 * along the last axis. */
#define VANS_STRIDED_WALK(NDIM, SHAPE, START, END, SETUP_OFFSETS, ...)                          \
    do {                                                                                         \
        int64_t index[16];                                                                       \
        int64_t rem = (START);                                                                   \
        for (int d = (NDIM)-1; d >= 0; d--) {                                                    \
            index[d] = (SHAPE)[d] ? rem % (SHAPE)[d] : 0;                                        \
            rem = (SHAPE)[d] ? rem / (SHAPE)[d] : 0;                                             \
        }                                                                                        \
        int64_t pos = (START);                                                                   \
        while (pos < (END)) {                                                                    \
            SETUP_OFFSETS;                                                                       \
            int64_t run = (SHAPE)[(NDIM)-1] - index[(NDIM)-1];                                   \
            if (run > (END)-pos) run = (END)-pos;                                                \
            __VA_ARGS__;                                                                             \
            pos += run;                                                                          \
            index[(NDIM)-1] += run;                                                              \
            for (int d = (NDIM)-1; d > 0 && index[d] >= (SHAPE)[d]; d--) {                       \
                index[d] = 0;                                                                    \
                index[d - 1]++;                                                                  \
            }                                                                                    \
        }                                                                                        \
    } while (0)

static int64_t vans_offset(const int64_t *index, const int64_t *strides, int ndim) {
    int64_t o = 0;
    for (int d = 0; d < ndim; d++) o += index[d] * strides[d];
    return o;
}

void vans_copy_strided(const void *src, const int64_t *src_strides, void *dst, const int64_t *dst_strides,
                       int64_t element_size, int ndim, const int64_t *shape, int64_t start, int64_t end) {
    if (start >= end) return;
    if (ndim == 0) { memcpy(dst, src, (size_t)element_size); return; }
    int64_t so, d0;
    VANS_STRIDED_WALK(ndim, shape, start, end,
        (so = vans_offset(index, src_strides, ndim), d0 = vans_offset(index, dst_strides, ndim)), {
        const int64_t ss = src_strides[ndim - 1], ds = dst_strides[ndim - 1];
        switch (element_size) {
        case 4: {
            const uint32_t *s = (const uint32_t *)src + so; uint32_t *t = (uint32_t *)dst + d0;
            if (ss == 1 && ds == 1) memcpy(t, s, (size_t)run * 4);
            else for (int64_t j = 0; j < run; j++) t[j * ds] = s[j * ss];
            break; }
        case 2: {
            const uint16_t *s = (const uint16_t *)src + so; uint16_t *t = (uint16_t *)dst + d0;
            for (int64_t j = 0; j < run; j++) t[j * ds] = s[j * ss];
            break; }
        case 8: {
            const uint64_t *s = (const uint64_t *)src + so; uint64_t *t = (uint64_t *)dst + d0;
            for (int64_t j = 0; j < run; j++) t[j * ds] = s[j * ss];
            break; }
        default: {
            const uint8_t *s = (const uint8_t *)src + so; uint8_t *t = (uint8_t *)dst + d0;
            for (int64_t j = 0; j < run; j++) t[j * ds] = s[j * ss];
            break; }
        }
    });
}

static double vans_load(const void *p, int dtype, int64_t i) {
    switch (dtype) {
    case VANS_F32: return ((const float *)p)[i];
    case VANS_BF16: { uint32_t w = (uint32_t)((const uint16_t *)p)[i] << 16; return vans_bits_to_f32(w); }
    case VANS_F16: return vans_f16_to_f32_scalar(((const uint16_t *)p)[i]);
    case VANS_I32: return ((const int32_t *)p)[i];
    case VANS_I64: return (double)((const int64_t *)p)[i];
    default: return ((const uint8_t *)p)[i] ? 1.0 : 0.0;
    }
}

static void vans_store(void *p, int dtype, int64_t i, double v, int64_t exact_integer, int from_integer) {
    switch (dtype) {
    case VANS_F32: ((float *)p)[i] = (float)v; break;
    case VANS_BF16: ((uint16_t *)p)[i] = vans_f32_to_bf16_scalar((float)v); break;
    case VANS_F16: ((uint16_t *)p)[i] = vans_f32_to_f16_scalar((float)v); break;
    case VANS_I32: ((int32_t *)p)[i] = from_integer ? (int32_t)exact_integer : (int32_t)v; break;
    case VANS_I64: ((int64_t *)p)[i] = from_integer ? exact_integer : (int64_t)v; break;
    default: ((uint8_t *)p)[i] = v != 0.0; break;
    }
}

void vans_convert_strided(const void *src, int src_dtype, const int64_t *src_strides, void *dst, int dst_dtype,
                          int ndim, const int64_t *shape, int64_t start, int64_t end) {
    if (start >= end) return;
    int64_t zero_index = 0;
    int64_t one_shape = 1, zero_stride = 0;
    if (ndim == 0) { ndim = 1; shape = &one_shape; src_strides = &zero_stride; (void)zero_index; }
    const int from_integer = src_dtype == VANS_I64 || src_dtype == VANS_I32;
    int64_t so;
    VANS_STRIDED_WALK(ndim, shape, start, end, (so = vans_offset(index, src_strides, ndim)), {
        const int64_t ss = src_strides[ndim - 1];
        if (src_dtype == VANS_F32 && dst_dtype == VANS_BF16 && ss == 1)
            vans_f32_to_bf16((const float *)src + so, (uint16_t *)dst + pos, run);
        else if (src_dtype == VANS_BF16 && dst_dtype == VANS_F32 && ss == 1)
            vans_bf16_to_f32((const uint16_t *)src + so, (float *)dst + pos, run);
        else if (src_dtype == VANS_F32 && dst_dtype == VANS_F16 && ss == 1)
            vans_f32_to_f16((const float *)src + so, (uint16_t *)dst + pos, run);
        else if (src_dtype == VANS_F16 && dst_dtype == VANS_F32 && ss == 1)
            vans_f16_to_f32((const uint16_t *)src + so, (float *)dst + pos, run);
        else
            for (int64_t j = 0; j < run; j++) {
                int64_t exact = 0;
                if (src_dtype == VANS_I64) exact = ((const int64_t *)src)[so + j * ss];
                else if (src_dtype == VANS_I32) exact = ((const int32_t *)src)[so + j * ss];
                vans_store(dst, dst_dtype, pos + j, vans_load(src, src_dtype, so + j * ss), exact, from_integer);
            }
    });
}
