// Fused log-softmax-and-gather: the log-probability of one given token per row, and its gradient,
// without an [rows, n] log-softmax in memory. GRPO scores completions over a ~152k vocabulary with it.
// exp goes through the same libmvec path as the softmax kernel (vans_vmath_f32) in blocks on the stack.
#include "vans_selection.h"
#include "internal/vans_vmath.h"
#include <math.h>

enum { BLOCK = 1024 }; /* floats per stack block: 4 KiB stays in L1 */

static float row_maximum(const float *x, int64_t n) {
    float best = -INFINITY;
    for (int64_t i = 0; i < n; i++) best = x[i] > best ? x[i] : best;
    return best;
}

static float row_log_sum_exp(const float *x, int64_t n) {
    float shift = row_maximum(x, n);
    if (isnan(shift)) return NAN;
    if (isinf(shift)) return shift; /* all −inf gives −inf (as torch); +inf gives +inf */
    float block[BLOCK];
    double total = 0.0;
    for (int64_t start = 0; start < n; start += BLOCK) {
        const int64_t count = n - start < BLOCK ? n - start : BLOCK;
        for (int64_t i = 0; i < count; i++) block[i] = x[start + i] - shift;
        vans_vmath_f32(VANS_VMATH_EXP, block, block, count);
        float partial = 0.0f;
        for (int64_t i = 0; i < count; i++) partial += block[i];
        total += (double)partial;
    }
    return shift + (float)log(total);
}

void vans_token_log_probability_forward(const float *logits, const int64_t *tokens, float *out, float *log_sum_exp,
                                        int64_t n, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *row = logits + r * n;
        const float lse = row_log_sum_exp(row, n);
        log_sum_exp[r] = lse;
        out[r] = row[tokens[r]] - lse;
    }
}

void vans_token_log_probability_backward(const float *logits, const int64_t *tokens, const float *log_sum_exp,
                                         const float *out_grad, float *logits_grad, int64_t n, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *row = logits + r * n;
        float *grad = logits_grad + r * n;
        const float lse = log_sum_exp[r], scale = -out_grad[r];
        for (int64_t start = 0; start < n; start += BLOCK) {
            const int64_t count = n - start < BLOCK ? n - start : BLOCK;
            for (int64_t i = 0; i < count; i++) grad[start + i] = row[start + i] - lse;
            vans_vmath_f32(VANS_VMATH_EXP, grad + start, grad + start, count);
            for (int64_t i = 0; i < count; i++) grad[start + i] *= scale;
        }
        grad[tokens[r]] += out_grad[r];
    }
}
