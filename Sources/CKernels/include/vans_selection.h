#ifndef VANS_SELECTION_H
#define VANS_SELECTION_H
#include <stdint.h>

/* ---- per-token log-probabilities without materialising the log-softmax ---- */
/// For rows r in [begin, end) of contiguous logits [rows, n] stored as `dtype` (VANS_F32, VANS_BF16 or
/// VANS_F16 of enum VansDType): log_sum_exp[r] = log Σ exp(x[r, :]) and out[r] = x[r, tokens[r]] −
/// log_sum_exp[r], reading each row once (online softmax, sums in double). tokens must be in 0..<n.
void vans_token_log_probability_forward(const void *logits, int dtype, const int64_t *tokens, float *out,
                                        float *log_sum_exp, int64_t n, int64_t begin, int64_t end);
/// Gradient of out[r] with respect to the logits (float32), written directly (no zeroing needed):
/// logits_grad[r, j] = out_grad[r] · ([j == tokens[r]] − exp(x[r, j] − log_sum_exp[r])).
void vans_token_log_probability_backward(const void *logits, int dtype, const int64_t *tokens, const float *log_sum_exp,
                                         const float *out_grad, float *logits_grad, int64_t n, int64_t begin, int64_t end);

/* ---- top-k selection over contiguous rows of length n (rows in [begin, end)) ---- */
/// The k largest (largest != 0) or smallest entries of each row, O(n log k). NaN ranks above every
/// number (as torch.sort), equal values rank by lower index first. sorted != 0 writes them best first,
/// otherwise in increasing index order. values/indices are [rows, k].
void vans_top_k_rows_f32(const float *x, int64_t n, int64_t k, int largest, int sorted, float *values,
                         int64_t *indices, int64_t begin, int64_t end);

/* ---- drawing one index from unnormalised weights (torch.multinomial with one sample) ---- */
/// 0 when weights[0..<n] can be sampled; 1 when one is negative, infinite or NaN; 2 when all are zero.
int vans_weights_status(const float *weights, int64_t n);
/// The index whose cumulative weight first exceeds word / 2^32 of the total (sums in double, index
/// order; zero weights are never chosen). Call only when vans_weights_status is 0.
int64_t vans_weights_draw(const float *weights, int64_t n, uint32_t word);

/* ---- cumulative sums over [outer, n, inner] (contiguous), accumulated in double as torch's CPU kernel ---- */
/// out[o, i, j] = Σ_{m ≤ i} x[o, m, j] (reverse != 0: Σ_{m ≥ i}); the range is over outer.
void vans_cumulative_sum_f32(const float *x, float *out, int64_t n, int64_t inner, int reverse, int64_t begin, int64_t end);
#endif
