// Fused log-softmax-and-gather: the log-probability of one given token per row, and its gradient,
// without an [rows, n] log-softmax in memory. GRPO scores completions over a ~152k vocabulary with it.
// Logits may be float32, bfloat16 or float16 (widened a block at a time). The forward reads each row
// once: blocks of BLOCK logits are shifted by the running maximum and exponentiated on the stack
// (libmvec through vans_vmath_f32, as the softmax kernel), and the running sum is rescaled whenever
// the maximum grows (the online softmax). Sums are kept in double.
#include "vans_selection.h"
#include "ckernels.h"
#include "internal/vans_simd.h"
#include "internal/vans_vmath.h"

enum { BLOCK = 1024 }; /* floats per stack block: 4 KiB stays in L1 */

/// `count` logits from `start` of a row stored as `dtype` (VANS_F32, VANS_BF16 or VANS_F16), as float32:
/// the row itself for float32, else widened into `block` (so 16-bit logits are never copied whole).
VANS_INLINE const float *logits_block(const void *row, int dtype, int64_t start, int64_t count, float *block) {
    if (dtype == VANS_BF16) { vans_bf16_to_f32((const uint16_t *)row + start, block, count); return block; }
    if (dtype == VANS_F16) { vans_f16_to_f32((const uint16_t *)row + start, block, count); return block; }
    return (const float *)row + start;
}

/// Element size in bytes of a logits dtype.
VANS_INLINE int64_t logits_element_size(int dtype) { return dtype == VANS_F32 ? 4 : 2; }

/// The largest entry of a block, ignoring NaN (maxnum); −inf when there is none.
VANS_INLINE float block_maximum(const float *x, int64_t count) {
    vans_v8 best8 = vans_splat8(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) best8 = __builtin_elementwise_max(best8, vans_load8(x + i));
    float best = vans_hmax8(best8);
    for (; i < count; i++) best = x[i] > best ? x[i] : best;
    return best;
}

VANS_INLINE int block_has_nan(const float *x, int64_t count) {
    for (int64_t i = 0; i < count; i++) if (x[i] != x[i]) return 1;
    return 0;
}

/// log Σ exp(x) of one row in one pass; −inf for an all −inf row, NaN if any entry is NaN (a NaN
/// reaches the sum through exp, except in a block whose other entries are all −inf, checked apart).
VANS_INLINE float row_log_sum_exp(const void *row, int dtype, int64_t n) {
    float block[BLOCK], shift = -INFINITY;
    double total = 0.0;
    for (int64_t start = 0; start < n; start += BLOCK) {
        const int64_t count = n - start < BLOCK ? n - start : BLOCK;
        const float *x = logits_block(row, dtype, start, count, block);
        const float local = block_maximum(x, count);
        if (local == -INFINITY) {
            if (block_has_nan(x, count)) return NAN;
            continue; /* contributes nothing */
        }
        if (local > shift) {
            if (shift != -INFINITY) total *= exp((double)shift - (double)local);
            shift = local;
        }
        if (shift == INFINITY) return INFINITY;
        for (int64_t i = 0; i < count; i++) block[i] = x[i] - shift;
        vans_vmath_f32(VANS_VMATH_EXP, block, block, count);
        vans_v8 sum8 = vans_splat8(0.0f);
        int64_t i = 0;
        for (; i + 8 <= count; i += 8) sum8 += vans_load8(block + i);
        float partial = vans_hsum8(sum8);
        for (; i < count; i++) partial += block[i];
        total += (double)partial;
    }
    return shift == -INFINITY ? -INFINITY : shift + (float)log(total);
}

VANS_INLINE void token_forward_body(const void *logits, int dtype, const int64_t *tokens, float *out, float *log_sum_exp, int64_t n,
                                    int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const char *row = (const char *)logits + r * n * logits_element_size(dtype);
        float widened;
        const float lse = row_log_sum_exp(row, dtype, n);
        const float token_logit = *logits_block(row, dtype, tokens[r], 1, &widened);
        log_sum_exp[r] = lse;
        out[r] = token_logit - lse;
    }
}
VANS_MULTIVERSION(VANS_KERNEL_VECTOR_MATH, token_forward, (const void *logits, int dtype, const int64_t *tokens, float *out, float *log_sum_exp, int64_t n, int64_t begin, int64_t end),
                  (logits, dtype, tokens, out, log_sum_exp, n, begin, end))
void vans_token_log_probability_forward(const void *logits, int dtype, const int64_t *tokens, float *out, float *log_sum_exp,
                                        int64_t n, int64_t begin, int64_t end) {
    token_forward(logits, dtype, tokens, out, log_sum_exp, n, begin, end);
}

VANS_INLINE void token_backward_body(const void *logits, int dtype, const int64_t *tokens, const float *log_sum_exp,
                                     const float *out_grad, float *logits_grad, int64_t n, int64_t begin, int64_t end) {
    float block[BLOCK];
    for (int64_t r = begin; r < end; r++) {
        const char *row = (const char *)logits + r * n * logits_element_size(dtype);
        float *grad = logits_grad + r * n;
        const float lse = log_sum_exp[r], scale = -out_grad[r];
        for (int64_t start = 0; start < n; start += BLOCK) {
            const int64_t count = n - start < BLOCK ? n - start : BLOCK;
            const float *x = logits_block(row, dtype, start, count, block);
            for (int64_t i = 0; i < count; i++) grad[start + i] = x[i] - lse;
            vans_vmath_f32(VANS_VMATH_EXP, grad + start, grad + start, count);
            for (int64_t i = 0; i < count; i++) grad[start + i] *= scale;
        }
        grad[tokens[r]] += out_grad[r];
    }
}
VANS_MULTIVERSION(VANS_KERNEL_VECTOR_MATH, token_backward, (const void *logits, int dtype, const int64_t *tokens, const float *log_sum_exp, const float *out_grad, float *logits_grad, int64_t n, int64_t begin, int64_t end),
                  (logits, dtype, tokens, log_sum_exp, out_grad, logits_grad, n, begin, end))
void vans_token_log_probability_backward(const void *logits, int dtype, const int64_t *tokens, const float *log_sum_exp,
                                         const float *out_grad, float *logits_grad, int64_t n, int64_t begin, int64_t end) {
    token_backward(logits, dtype, tokens, log_sum_exp, out_grad, logits_grad, n, begin, end);
}
