#ifndef VANS_ROTARY_H
#define VANS_ROTARY_H
#include <stdint.h>

/// Pairing of the rotated dimensions.
typedef enum {
    /// Pairs (i, i + dim/2): Llama/Qwen `rotate_half` (1D, the 2D vision form and M-RoPE).
    VANS_ROTARY_HALF = 0,
    /// Pairs (2i, 2i + 1): Wan's complex multiply on interleaved pairs.
    VANS_ROTARY_INTERLEAVED = 1,
} vans_rotary_layout;

/// Rotates x [batch, positions, heads, dim] (element strides for batch, position and
/// head; dim contiguous) into y with the same layout, for flat (batch · positions)
/// rows [begin, end). `cos`/`sin` are [table_batch, positions, dim/2] contiguous, with
/// table_batch_stride 0 when every batch shares positions. `inverse` rotates by the
/// negative angle (the backward pass). x and y may alias.
void vans_rotary_apply(const float *x, const int64_t x_strides[3], float *y, const int64_t y_strides[3],
                       const float *cos, const float *sin, int64_t table_batch_stride,
                       int64_t positions, int64_t heads, int64_t dim, vans_rotary_layout layout,
                       int32_t inverse, int64_t begin, int64_t end);
#endif
