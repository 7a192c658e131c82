// The attention kernels' bf16-probability mode: PyTorch's CPU flash kernel on bf16 tensors, reproduced on the
// float32 score tile (see `round_probabilities_to_bf16` in vans_attention.h).
#ifndef VANS_ATTENTION_BF16_H
#define VANS_ATTENTION_BF16_H
#include <stdint.h>

/// PyTorch's `Vectorized<float>::fexp_u20` (the exp of its CPU flash kernel), one lane.
float vans_torch_fast_exp(float x);

/// exp(tile − shift) for 8 query columns of `rows` key rows (row stride `stride`), written back rounded to bf16 as
/// PyTorch's kernel does: segment-local key `first + j` takes the fast exp when below `vectorized` (the row's whole
/// multiples of 8), libm's expf after. `sums` receives the per-column sums of the unrounded exponentials.
void vans_attention_torch_exponentials(float *tile, int64_t stride, int64_t rows, const float *shifts, int64_t first,
                                       int64_t vectorized, float *sums);

/// tile[j·stride + i] *= scale for the first `columns` columns of `rows` rows.
void vans_attention_scale_scores(float *tile, int64_t stride, int64_t rows, int64_t columns, float scale);
#endif
