// The attention kernels' bf16-probability mode (internal/vans_attention_bf16.h). Scalar on purpose: it serves
// conformance checks against PyTorch's bf16 models, where matching its arithmetic matters and speed does not.
// (Arrays, not vector values, cross into these functions: the callers are compiled per kernel level, and a
// 32-byte vector argument's ABI differs between levels.)
#include <math.h>
#include <string.h>
#include "ckernels.h"
#include "internal/vans_attention_bf16.h"

/* 2^(x·log2 e) with a cubic correction of the fraction, assembled in the exponent bits by a truncating conversion
   (`_mm256_cvttps_epi32`). Relative error about 1e-4 (fexp_u20(0) = 1 − 5.3e-5): the bf16 rounding of the
   probabilities follows it, so an accurate exp would round a few percent of them the other way. */
float vans_torch_fast_exp(float x) {
    const uint32_t log2e_bits = 0x3fb8aa3bu, ln_min_bits = 0xc2aeac50u, ln_max_bits = 0x42b17218u;
    float log2e, ln_min, ln_max;
    memcpy(&log2e, &log2e_bits, 4); memcpy(&ln_min, &ln_min_bits, 4); memcpy(&ln_max, &ln_max_bits, 4);
    if (x < ln_min) return 0.0f;
    if (x > ln_max) return INFINITY;
    float scaled = x * log2e;
    const float fraction = scaled - floorf(scaled);
    float correction = fmaf(fraction, -0.079204240219773236f, -0.22433836478672356f);
    correction = fmaf(fraction, correction, 0.30354260500649682f);
    correction = fmaf(fraction, correction, 0.00010703434948458272f);
    scaled = scaled - correction;
    const float biased = fmaf(8388608.0f, scaled, 8388608.0f * 127.0f);
    const int32_t bits = (biased >= 2147483648.0f || biased != biased) ? INT32_MIN : (int32_t)biased;
    float result;
    memcpy(&result, &bits, 4);
    return result;
}

void vans_attention_torch_exponentials(float *tile, int64_t stride, int64_t rows, const float *shifts, int64_t first,
                                       int64_t vectorized, float *sums) {
    for (int l = 0; l < 8; l++) sums[l] = 0;
    for (int64_t j = 0; j < rows; j++) {
        float *row = tile + j * stride;
        for (int l = 0; l < 8; l++) {
            const float x = row[l] - shifts[l];
            const float e = first + j < vectorized ? vans_torch_fast_exp(x) : expf(x);
            sums[l] += e;
            const uint32_t bits = (uint32_t)vans_f32_to_bf16_scalar(e) << 16;
            memcpy(row + l, &bits, sizeof bits);
        }
    }
}

void vans_attention_scale_scores(float *tile, int64_t stride, int64_t rows, int64_t columns, float scale) {
    for (int64_t j = 0; j < rows; j++)
        for (int64_t i = 0; i < columns; i++) tile[j * stride + i] *= scale;
}
