#ifndef VANS_ATTENTION_H
#define VANS_ATTENTION_H
#include <stdint.h>

/// Arguments of the fused (flash-style) scaled-dot-product attention kernels.
/// Tensors are float32 with the head dimension contiguous; the three strides of each
/// tensor are in elements for (batch, head, row). `log_sum_exp` is contiguous
/// [batch, query_heads, query_length]. Query head h reads key/value head
/// h / (query_heads / kv_heads). With `segment_count` > 0, query rows
/// [query_offsets[s], query_offsets[s+1]) attend only keys [kv_offsets[s], kv_offsets[s+1])
/// (block-diagonal attention); both offset arrays must start at 0, increase, and end
/// at the respective lengths. With `causal`, local query i of a segment sees local key
/// j when j <= i + (keys in segment - queries in segment) (bottom-right alignment,
/// which equals PyTorch's `is_causal` when the lengths match).
typedef struct {
    const float *query, *key, *value;
    float *output, *log_sum_exp;
    const float *output_grad;
    float *query_grad, *key_grad, *value_grad;
    int64_t batch, query_heads, kv_heads, query_length, kv_length, head_dim;
    int64_t query_strides[3], key_strides[3], value_strides[3], output_strides[3];
    int64_t output_grad_strides[3], query_grad_strides[3], key_grad_strides[3], value_grad_strides[3];
    const int64_t *query_offsets, *kv_offsets;
    int64_t segment_count;
    int32_t causal;
    float scale;
    /* Optional additive score terms (NULL when absent, which keeps the plain kernel's speed).
       `bias` is added to the scaled scores: [batch|1, query_heads|1, query_length|1, kv_length]
       with the key axis contiguous and (batch, head, row) strides in elements, 0 on broadcast
       axes. `key_padding` is contiguous [batch, kv_length]: 0 keeps a key, -inf ignores it. */
    const float *bias;
    int64_t bias_strides[3];
    const float *key_padding;
    /* Backward, optional: receives the score gradient, contiguous
       [batch, query_heads, query_length, kv_length]; the caller zeroes it (masked entries are
       never written). Reduce it over broadcast axes for the bias gradient. */
    float *bias_grad;
    /* Forward only: nonzero rounds each block's exponentiated scores to bf16 (nearest even) before
       they multiply the values, while the row sums add the unrounded ones — what PyTorch's CPU flash
       kernel does on bf16 inputs. The backward pass differentiates the unrounded probabilities. */
    int32_t round_probabilities_to_bf16;
} vans_attention_args;

/// Largest head dimension the kernels accept.
#define VANS_ATTENTION_MAX_HEAD_DIM 256

/// Number of independent forward tasks (batch × query head × 64-row query block).
int64_t vans_attention_forward_task_count(const vans_attention_args *args);
/// Runs forward tasks [begin, end): writes `output` and `log_sum_exp` for their rows.
/// Rows that see no key get output 0 and log-sum-exp -inf. Returns 0, or -1 when
/// scratch memory could not be allocated.
int32_t vans_attention_forward(const vans_attention_args *args, int64_t begin, int64_t end);

/// Number of independent backward tasks (batch × kv head × segment).
int64_t vans_attention_backward_task_count(const vans_attention_args *args);
/// Runs backward tasks [begin, end): overwrites the query, key and value gradients of
/// their rows from `output_grad`, `output` and `log_sum_exp` (saved by the forward).
/// Returns 0, or -1 when scratch memory could not be allocated.
int32_t vans_attention_backward(const vans_attention_args *args, int64_t begin, int64_t end);
#endif
